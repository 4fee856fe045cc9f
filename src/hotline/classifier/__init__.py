"""The text classifier (文本分类): a lab that needs nothing of the platform.

Training, evaluation and cross-validation (``model``, ``evaluation``, ``datasets``), the model
files and their loading (``model``), the second opinion that gives confidences (``nbridge``), the
fast single-message path held equal to scikit-learn by tests (``fastpath``), text normalisation
(``text``, over the folding shared with search in :mod:`hotline.text`) and the lab's commands
(``cli``). It imports no other ``hotline`` package but :mod:`hotline.text` (an import-linter
contract); the platform's routing (:mod:`hotline.routing`) imports it. docs/routing.md.
"""
