"""Signed notes, keys, checkpoints and cosignatures.

Known answers: the PeterNeumann / EnochRoot keys and notes of golang.org/x/mod/sumdb/note
(note.go, note_test.go); the example key and note of c2sp.org/signed-note; the example
checkpoint and cosignature line of c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature;
the cosigner keys and timestamp vector of github.com/transparency-dev/formats
(note/note_cosigv1_test.go); and a real checkpoint of the arche2025h1 staging CT log with a
cosignature by the remora.n621.de witness, as kept in the tests of
github.com/florolf/tlog-scales."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.transparency.note import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    InvalidSignatureError,
    NoteError,
    Signature,
    Signer,
    UnverifiedNoteError,
    Verifier,
    format_note,
    generate_key,
    key_id,
    open_checkpoint,
    open_note,
    parse_signer,
    parse_verifier,
    sign_note,
)

PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngo"
    "tpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWL"
    "ox33WWd1RvMc+QQ=\n"
)
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = (
    "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi"
    "2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
ARCHE = "arche2025h1.staging.ct.transparency.dev"
ARCHE_VKEY = ARCHE + "+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
ARCHE_BODY = (
    "arche2025h1.staging.ct.transparency.dev\n1432088532\n"
    "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
)
ARCHE_SIGS = [
    # An RFC 6962 STH signature (type 0x05) under the log's name: an unknown key here.
    "arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREP"
    "MHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=",
    "arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3"
    "NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=",
    "transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2r"
    "hIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==",
    "witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ7"
    "5W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==",
    "remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sX"
    "Tynk5XeU/zZ0WBxtqB0DrAWfBw==",
    "witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY"
    "/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==",
]
ARCHE_NOTE = ARCHE_BODY + "\n" + "".join(f"— {line}\n" for line in ARCHE_SIGS)
SOFA_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SOFA_COSIG = (
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b"
    "2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)


def _sig(line: str) -> Signature:
    """The Signature of a line, via a note in which it is the only, unknown, signature."""
    with pytest.raises(UnverifiedNoteError):
        open_note("x\n\n" + line, [])
    name, encoded = line.removeprefix("— ").split()
    raw = base64.b64decode(encoded)
    return Signature(name=name, key_id=int.from_bytes(raw[:4], "big"), signature=raw[4:])


def test_go_example_key_sign_and_open() -> None:
    signer = parse_signer(PETER_SKEY)
    assert signer.encode() == PETER_SKEY
    assert signer.verifier().encode() == PETER_VKEY
    assert signer.key_id == 0xC74F20A3
    assert sign_note(TEXT, [signer]) == TEXT + "\n" + PETER_SIG  # Ed25519 is deterministic
    peter = parse_verifier(PETER_VKEY)
    note = open_note((TEXT + "\n" + PETER_SIG).encode(), [peter])
    assert note.text == TEXT
    assert note.signed_by == (peter,)
    assert note.signatures[0].line() == PETER_SIG
    assert note.unverified == ()


def test_key_id_is_the_spec_hash() -> None:
    public = parse_verifier(PETER_VKEY).public_key
    digest = hashlib.sha256(b"PeterNeumann\n\x01" + public).digest()
    assert key_id("PeterNeumann", ED25519, public) == int.from_bytes(digest[:4], "big")
    assert key_id("PeterNeumann", ED25519, public) == 0xC74F20A3
    cosigner = hashlib.sha256(b"PeterNeumann\n\x04" + public).digest()
    assert key_id("PeterNeumann", COSIGNATURE_V1, public) == int.from_bytes(cosigner[:4], "big")


def test_c2sp_signed_note_example() -> None:
    verifier = parse_verifier(C2SP_VKEY)
    assert (verifier.key_id, verifier.sig_type) == (0x530D903A, ED25519)
    assert verifier.public_key.hex() == (
        "e932791ae6e7a840a46164c904786426d5e7821dd8b29a00d61cae72afdd4da4"
    )
    assert open_note(C2SP_NOTE, [verifier]).text == "This is an example message.\n"


def test_two_signers_known_and_unknown() -> None:
    peter, enoch = parse_verifier(PETER_VKEY), parse_verifier(ENOCH_VKEY)
    msg = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    one = open_note(msg, [peter])
    assert [s.name for s in one.signatures] == ["PeterNeumann"]
    assert [(s.name, s.key_id) for s in one.unverified] == [("EnochRoot", 0xAF0CFE78)]
    both = open_note(msg, [enoch, peter])
    assert both.signed_by == (peter, enoch)  # in note order
    with pytest.raises(UnverifiedNoteError, match=r"PeterNeumann\+c74f20a3, EnochRoot\+af0cfe78"):
        open_note(msg, [])


def test_go_duplicate_signatures() -> None:
    """As Go: a key's first signature line counts, repeated unknown lines are dropped."""
    tampered = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    msg = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + tampered
    note = open_note(msg, [parse_verifier(PETER_VKEY)])
    assert len(note.signatures) == 1
    assert [s.line() for s in note.unverified] == [ENOCH_SIG, tampered]


def test_tampered_text_or_signature_is_rejected() -> None:
    peter = parse_verifier(PETER_VKEY)
    with pytest.raises(InvalidSignatureError, match=r"PeterNeumann\+c74f20a3"):
        open_note(TEXT.replace("answer", "Answer") + "\n" + PETER_SIG, [peter])
    with pytest.raises(InvalidSignatureError, match="invalid signature by PeterNeumann"):
        open_note(TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], [peter])
    # A bad signature by a known key rejects the note even when another key's verifies.
    enoch = parse_verifier(ENOCH_VKEY)
    bad_enoch = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    with pytest.raises(InvalidSignatureError, match="EnochRoot"):
        open_note(TEXT + "\n" + PETER_SIG + bad_enoch, [peter, enoch])


def test_unknown_keys_are_ignored_even_when_they_share_the_name_or_the_id() -> None:
    peter = parse_verifier(PETER_VKEY)
    other_key = Verifier(name="PeterNeumann", sig_type=ED25519, public_key=b"\x01" * 32)
    with pytest.raises(UnverifiedNoteError, match="no signature by a known key"):
        open_note(TEXT + "\n" + PETER_SIG, [other_key])
    renamed = PETER_SIG.replace("PeterNeumann", "PeterNeuman")  # same key ID, other name
    with pytest.raises(UnverifiedNoteError):
        open_note(TEXT + "\n" + renamed, [peter])


def test_malformed_notes() -> None:
    peter = [parse_verifier(PETER_VKEY)]
    bad = [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name"),
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG.replace("—", "-"),
        TEXT + "\n" + "— PeterNeumann \n",
        TEXT + "\n" + "— PeterNeumann AAAA\n",  # shorter than a key ID and one byte
        TEXT + "\n" + "— PeterNeumann x08go/ZJ!\n",
        TEXT + "\n" + PETER_SIG * 101,
    ]
    for msg in bad:
        with pytest.raises(NoteError) as caught:
            open_note(msg, peter)
        assert type(caught.value) is NoteError, msg
    for raw in [b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), b"x\n\n\xed\xa0\x80\n"]:
        with pytest.raises(NoteError, match="UTF-8"):
            open_note(raw, peter)
    assert len(open_note(TEXT + "\n" + PETER_SIG * 100, peter).signatures) == 1


def test_go_verifier_key_manglings_are_refused() -> None:
    """golang.org/x/mod/sumdb/note TestNewVerifier and TestNewSigner: every proper
    substring and every single-byte increment of the keys is refused."""
    for key, parse in [(PETER_VKEY, parse_verifier), (PETER_SKEY, parse_signer)]:
        manglings = {key[i:j] for i in range(len(key) + 1) for j in range(i + 1, len(key) + 1)}
        manglings |= {key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))}
        manglings.discard(key)
        for bad in manglings:
            with pytest.raises(NoteError):
                parse(bad)
    # Go's wrong-length key (refused here already as non-canonical base64), and its key of
    # unknown type; both with the key ID adjusted to match.
    wrong_length = "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
    unknown_type = "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    with pytest.raises(NoteError, match="not canonical base64"):
        parse_verifier(wrong_length)
    with pytest.raises(NoteError, match="unsupported signature type 0x65"):
        parse_verifier(unknown_type)
    with pytest.raises(NoteError, match="34 bytes, not a type byte and 32 bytes"):
        parse_verifier("PeterNeumann+00000000+" + base64.b64encode(bytes(34)).decode())


def test_key_errors_say_what_is_wrong() -> None:
    cases = [
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "is not its key's"),
        ("PeterNeumann+c74f20a3", "is not <name>"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "not base64"),
    ]
    for vkey, message in cases:
        with pytest.raises(NoteError, match=message):
            parse_verifier(vkey)
    with pytest.raises(NoteError, match="PRIVATE"):
        parse_signer(PETER_VKEY)
    with pytest.raises(NoteError, match="32"):
        Signer(name="x", sig_type=ED25519, seed=b"short")
    assert "seed" not in repr(parse_signer(PETER_SKEY))


def test_generated_keys_round_trip() -> None:
    skey, vkey = generate_key("audit.example/log")
    signer, verifier = parse_signer(skey), parse_verifier(vkey)
    assert signer.verifier() == verifier
    assert re.fullmatch(r"audit\.example/log\+[0-9a-f]{8}\+.{44}", vkey)
    assert skey.startswith("PRIVATE+KEY+audit.example/log+" + vkey.split("+")[1] + "+")
    msg = sign_note("hello\n\nworld\n", [signer])  # the text may contain blank lines
    assert open_note(msg, [verifier]).text == "hello\n\nworld\n"
    other_skey, _ = generate_key("audit.example/log")
    assert other_skey != skey
    for name in ["", "a b", "a+b", "a\u00a0b", "a\u3000b"]:
        with pytest.raises(NoteError, match="key name"):
            generate_key(name)


def test_signing_refuses_bad_text() -> None:
    signer = parse_signer(PETER_SKEY)
    for text in ["", "no newline", "tab\there\n", "nul\x00\n"]:
        with pytest.raises(NoteError):
            sign_note(text, [signer])
    with pytest.raises(NoteError, match="at least one signature"):
        sign_note(TEXT, [])
    with pytest.raises(NoteError, match="Unicode"):
        sign_note("\ud800\n", [signer])


def test_text_with_an_ambiguous_pair_of_known_keys_is_refused() -> None:
    class Colliding(Verifier):
        @property
        def key_id(self) -> int:
            return 1

    a = Colliding(name="k", sig_type=ED25519, public_key=b"\x01" * 32)
    b = Colliding(name="k", sig_type=ED25519, public_key=b"\x02" * 32)
    with pytest.raises(NoteError, match=r"two known keys are both k\+00000001"):
        open_note(C2SP_NOTE, [a, b])
    peter = parse_verifier(PETER_VKEY)
    assert open_note(TEXT + "\n" + PETER_SIG, [peter, peter]).signed_by == (peter,)


@settings(max_examples=50, deadline=None)
@given(
    st.text(st.characters(min_codepoint=0x20, exclude_categories=["Cs"]), max_size=40),
    st.data(),
)
def test_any_changed_character_of_the_text_breaks_the_signature(
    line: str, data: st.DataObject
) -> None:
    text = line + "\n"
    signer = parse_signer(PETER_SKEY)
    msg = sign_note(text, [signer])
    assert open_note(msg.encode(), [signer.verifier()]).text == text
    i = data.draw(st.integers(0, len(line) - 1)) if line else 0
    changed = line[:i] + ("y" if line[i:i + 1] == "x" else "x") + line[i + 1 :] + "\n"
    with pytest.raises(InvalidSignatureError):
        open_note(changed + msg[len(text) :], [signer.verifier()])


# Checkpoints.


def test_checkpoint_round_trip_and_spec_example() -> None:
    sofa = Checkpoint.parse(SOFA_BODY)
    assert sofa.origin == "example.com/behind-the-sofa"
    assert (sofa.size, sofa.extensions) == (20852163, ())
    assert sofa.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert sofa.format() == SOFA_BODY
    with_ext = Checkpoint(origin="o", size=0, root_hash=bytes(32), extensions=("ext one", "x"))
    assert Checkpoint.parse(with_ext.format()) == with_ext
    assert with_ext.format().endswith("\next one\nx\n")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("o\n020852163\n" + SOFA_BODY.split("\n")[2] + "\n", "leading zeros"),
        ("o\n00\n" + SOFA_BODY.split("\n")[2] + "\n", "leading zeros"),
        ("o\n+5\n" + SOFA_BODY.split("\n")[2] + "\n", "leading zeros"),
        ("o\n 5\n" + SOFA_BODY.split("\n")[2] + "\n", "leading zeros"),
        ("o\n1_000\n" + SOFA_BODY.split("\n")[2] + "\n", "leading zeros"),
        ("o\n\u0663\n" + SOFA_BODY.split("\n")[2] + "\n", "leading zeros"),  # Arabic-Indic 3
        ("o\n18446744073709551616\n" + SOFA_BODY.split("\n")[2] + "\n", "64-bit"),
        ("o\n123456789012345678901\n" + SOFA_BODY.split("\n")[2] + "\n", "leading zeros"),
        ("\n5\n" + SOFA_BODY.split("\n")[2] + "\n", "origin '' is empty"),
        ("o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "not canonical"),
        ("o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", "not base64 of 32"),
        ("o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx\n", "not base64 of 32"),
        ("o\n5\n" + base64.b64encode(bytes(33)).decode() + "\n", "not base64 of 32"),
        ("o\n5\n" + SOFA_BODY.split("\n")[2] + "\n\n", "extension line '' is empty"),
        ("o\n5\n" + SOFA_BODY.split("\n")[2], "must end with a newline"),
        ("o\n5\n", "needs origin, tree size and root hash"),
    ],
)
def test_malformed_checkpoints_are_refused(body: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        Checkpoint.parse(body)


def test_checkpoint_fields_are_validated() -> None:
    for fields in [
        {"origin": "", "size": 1, "root_hash": bytes(32)},
        {"origin": "a\nb", "size": 1, "root_hash": bytes(32)},
        {"origin": "o", "size": -1, "root_hash": bytes(32)},
        {"origin": "o", "size": 2**64, "root_hash": bytes(32)},
        {"origin": "o", "size": 1, "root_hash": bytes(31)},
        {"origin": "o", "size": 1, "root_hash": bytes(32), "extensions": ("",)},
    ]:
        with pytest.raises(NoteError):
            Checkpoint(**fields)  # type: ignore[arg-type]
    assert Checkpoint(origin="o", size=2**64 - 1, root_hash=bytes(32)).size == 2**64 - 1


# Cosignatures.


def test_real_checkpoint_with_a_log_signature_and_a_witness_cosignature() -> None:
    arche, remora = parse_verifier(ARCHE_VKEY), parse_verifier(REMORA_VKEY)
    assert remora.sig_type == COSIGNATURE_V1  # and parse_verifier checked da77ade7 with 0x04
    checkpoint, note = open_checkpoint(ARCHE_NOTE, [arche, remora])
    assert (checkpoint.origin, checkpoint.size) == (ARCHE, 1432088532)
    assert note.signed_by == (arche, remora)
    assert note.signatures[1].cosignature_time() == 0x6A122120
    assert len(note.unverified) == 4  # the STH signature and three other witnesses
    forged = ARCHE_NOTE.replace("1432088532", "1432088533")
    for known in [arche], [remora]:
        with pytest.raises(InvalidSignatureError):
            open_note(forged, known)


def test_cosignature_timestamp_vectors() -> None:
    # tlog-cosignature's example line cosigns its example at "time 1679315147".
    assert _sig(SOFA_COSIG).cosignature_time() == 1679315147
    formats = "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOwor"
    formats += "DcFiEBYJXORmnFBOBA=="
    assert _sig(f"— w {formats}\n").cosignature_time() == 1727964367
    with pytest.raises(NoteError, match="not an Ed25519 cosignature"):
        _sig(PETER_SIG).cosignature_time()


def test_cosigner_key_ids_from_transparency_dev() -> None:
    # A type 0x01 verifier key of a witness, and a native type 0x04 one.
    plain = parse_verifier("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert plain.sig_type == ED25519
    remora = parse_verifier(REMORA_VKEY)
    assert key_id("remora.n621.de", COSIGNATURE_V1, remora.public_key) == 0xDA77ADE7
    assert key_id("remora.n621.de", ED25519, remora.public_key) != 0xDA77ADE7


def test_cosignature_round_trip() -> None:
    log = parse_signer(PETER_SKEY)
    witness = Signer(name="witness.example/w1", sig_type=ED25519, seed=bytes(range(32))).cosigner()
    assert witness.key_id != Signer(name=witness.name, sig_type=ED25519, seed=witness.seed).key_id
    assert parse_signer(witness.encode()) == witness
    assert parse_verifier(witness.verifier().encode()) == witness.verifier()
    body = Checkpoint(origin="leadflow.example/audit", size=5, root_hash=bytes(32)).format()
    msg = sign_note(body, [log, witness], timestamp=1_700_000_000)
    _, note = open_checkpoint(msg, [log.verifier(), witness.verifier()])
    cosig = note.signatures[1]
    assert cosig.cosignature_time() == 1_700_000_000
    assert len(cosig.signature) == 8 + 64
    # The signed message is exactly the spec's: header line, time line, checkpoint body.
    message = b"cosignature/v1\ntime 1700000000\n" + body.encode()
    public = Ed25519PublicKey.from_public_bytes(witness.verifier().public_key)
    public.verify(cosig.signature[8:], message)
    # A witness returns only its signature lines; they go after the log's.
    again = format_note(body, [*note.signatures[:1], witness.sign(body, timestamp=1_700_000_001)])
    assert open_note(again, [witness.verifier()]).signatures[0].cosignature_time() == 1_700_000_001


def test_cosignature_tampering_is_rejected() -> None:
    witness = Signer(name="w", sig_type=COSIGNATURE_V1, seed=bytes(32))
    body = Checkpoint(origin="o", size=5, root_hash=bytes(32), extensions=("ext",)).format()
    line = witness.sign(body, timestamp=42).line()
    raw = base64.b64decode(line.split()[-1])
    later = raw[:11] + bytes([raw[11] + 1]) + raw[12:]  # the timestamp's last byte
    beyond = raw[:4] + bytes([raw[4] | 0x80]) + raw[5:]  # a timestamp of 2**63 or more
    known = [witness.verifier()]
    for msg in [
        body.replace("ext", "exu") + "\n" + line,  # the extension line is signed too
        body.replace("5", "6") + "\n" + line,
        body + "\n" + f"— w {base64.b64encode(later).decode()}\n",
        body + "\n" + f"— w {base64.b64encode(beyond).decode()}\n",
        body + "\n" + f"— w {base64.b64encode(raw[:-1]).decode()}\n",
    ]:
        with pytest.raises(InvalidSignatureError):
            open_note(msg, known)
    # The same key as a plain note verifier does not match the cosignature's key ID.
    plain = Verifier(name="w", sig_type=ED25519, public_key=witness.verifier().public_key)
    with pytest.raises(UnverifiedNoteError):
        open_note(body + "\n" + line, [plain])


def test_cosigning_needs_a_timestamp_and_a_checkpoint() -> None:
    witness = Signer(name="w", sig_type=COSIGNATURE_V1, seed=bytes(32))
    body = Checkpoint(origin="o", size=5, root_hash=bytes(32)).format()
    for timestamp in [None, -1, 2**63]:
        with pytest.raises(NoteError, match="timestamp"):
            witness.sign(body, timestamp=timestamp)
    assert witness.sign(body, timestamp=2**63 - 1).cosignature_time() == 2**63 - 1
    with pytest.raises(NoteError, match="tree size"):
        witness.sign("not\na\ncheckpoint\n", timestamp=1)
