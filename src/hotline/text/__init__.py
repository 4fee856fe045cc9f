"""Text folding shared by the classifier and the full-text index (standard library and OpenCC only).

Both compare what people write in one form: full-width and half-width, upper and lower case,
traditional and simplified characters meet in :func:`fold`. It sits on the ground floor so that
neither the classifier (a lab that needs nothing of the platform) nor search imports the other.
"""

from hotline.text.folding import fold, nfkc, to_simplified

__all__ = ["fold", "nfkc", "to_simplified"]
