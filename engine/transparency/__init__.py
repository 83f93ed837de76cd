"""The storage-independent core of a transparency log over the audit trail.

`merkle`: RFC 6962 / RFC 9162 Merkle tree hashing, O(log n) proofs over stored perfect
subtrees, and proof verification. `note`: C2SP signed notes, checkpoints and cosignatures.

Nothing here imports the rest of `engine`, so these modules survive reorganisations of it."""
