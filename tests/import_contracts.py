"""A contract type for import-linter that its built-in ones cannot say: a package imports only the
standard library and itself. `forbidden` needs the forbidden packages by name, so a new dependency
(numpy, say) or a new sibling package would pass it unnoticed; this contract names what is allowed.

Registered in pyproject.toml (`contract_types`) and run by `lint-imports` in scripts/test;
tests/unit/test_import_contracts.py plants bad imports and sees it fail."""

from __future__ import annotations

import sys

import grimp
from importlinter import Contract, ContractCheck, fields, output


class StandardLibraryOnly(Contract):
    """Each of ``source_modules`` (and everything below it) imports only the standard library and
    modules of its own package, at module or function level alike."""

    type_name = "standard_library_only"

    source_modules = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        bad: list[dict[str, object]] = []
        for source in self.source_modules:  # type: ignore[attr-defined]
            package = source.name
            for module in sorted(graph.find_descendants(package) | {package}):
                for imported in sorted(graph.find_modules_directly_imported_by(module)):
                    if imported == package or imported.startswith(package + "."):
                        continue
                    if imported.split(".")[0] in sys.stdlib_module_names:
                        continue
                    for detail in graph.get_import_details(importer=module, imported=imported) or [
                        {"line_number": 0}
                    ]:
                        bad.append({"importer": module, "imported": imported, "line": detail["line_number"]})
        return ContractCheck(kept=not bad, metadata={"bad": bad})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for b in check.metadata["bad"]:
            output.print_error(f"{b['importer']} imports {b['imported']} (line {b['line']})")
            output.new_line()
