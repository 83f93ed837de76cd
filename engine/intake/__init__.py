"""Lead intake: registering a lead with the person reported on, the reporter's encrypted
identity, receipt codes for anonymous follow-up, links and duplicates, attachments' metadata,
bulk import. Its errors (IdentityKeyError, ImportFileError, ReceiptRateLimited) are in
engine.errors with every other."""

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
