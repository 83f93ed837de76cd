"""Lead intake: registering a lead with the person reported on, the reporter's encrypted
identity, receipt codes for anonymous follow-up, links and duplicates, attachments' metadata,
bulk import. Its errors (IdentityKeyError, ImportFileError, ReceiptRateLimited) are in
engine.errors with every other."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.kernel import lazy_attribute

if TYPE_CHECKING:
    from engine.intake.identity import IdentityCipher, generate_key, read_identity
    from engine.intake.import_file import ImportFile, read_import_file
    from engine.intake.importer import ImportReport, import_leads
    from engine.intake.lead import create_lead, parse_lead, possible_duplicates, vocabularies
    from engine.intake.links import link_leads, read_links
    from engine.intake.receipts import PublicStatus, add_info, lookup

__all__ = [
    "IdentityCipher",
    "ImportFile",
    "ImportReport",
    "PublicStatus",
    "add_info",
    "create_lead",
    "generate_key",
    "import_leads",
    "link_leads",
    "lookup",
    "parse_lead",
    "possible_duplicates",
    "read_identity",
    "read_import_file",
    "read_links",
    "vocabularies",
]

# PEP 562: a name's module is imported when the name is first asked for, so a caller
# (or `leadflow --help`) pays only for the modules it uses. mypy sees the imports above;
# __getattr__ is hidden from it so that a misspelt name stays an error.
_MODULE_OF = {
    "IdentityCipher": "identity", "generate_key": "identity", "read_identity": "identity",
    "ImportFile": "import_file", "read_import_file": "import_file",
    "ImportReport": "importer", "import_leads": "importer",
    "create_lead": "lead", "parse_lead": "lead", "possible_duplicates": "lead",
    "vocabularies": "lead",
    "link_leads": "links", "read_links": "links",
    "PublicStatus": "receipts", "add_info": "receipts", "lookup": "receipts",
}

if not TYPE_CHECKING:
    def _module(name: str) -> object:
        """Import one module of the part, explicitly (tests/test_layering.py)."""
        if name == "identity":
            import engine.intake.identity as module
        elif name == "import_file":
            import engine.intake.import_file as module
        elif name == "importer":
            import engine.intake.importer as module
        elif name == "lead":
            import engine.intake.lead as module
        elif name == "links":
            import engine.intake.links as module
        elif name == "receipts":
            import engine.intake.receipts as module
        return module

    __getattr__ = lazy_attribute(globals(), _MODULE_OF, _module)
