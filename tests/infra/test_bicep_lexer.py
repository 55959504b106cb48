"""The lexical gate (tests/infra/bicep_lexer.py): as strict as the Bicep compiler's lexer, where pycep is lenient.

It is held against the compiler's own samples (tests/infra/bicep_samples, copied from Azure/bicep): for each one it
must report exactly the lexer errors the compiler's expected diagnostics list, no more and no fewer. Then infra/
must lex clean, and the form the modules used to carry (`#checkov:skip=...` inside a resource) must be refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.infra import bicep as b
from tests.infra import bicep_lexer as lx

SAMPLES = Path(__file__).parent / "bicep_samples"
SAMPLE_DIRS = sorted(p for p in SAMPLES.iterdir() if p.is_dir())
# One line of the compiler's baseline: //@[start:end) [CODE (Error)] message |span text|
ANNOTATION = re.compile(r"^//@\[(\d+):(\d+)\) \[([^ \]]+) \(")


def expected_lexer_diagnostics(sample: Path) -> list[tuple[str, int, int, int]]:
    """(code, line, start, end) of every lexer diagnostic in the sample's main.diagnostics.bicep."""
    newline = "\r\n" if sample.name.endswith("_CRLF") else "\n"  # how the compiler's test split the lines
    found = []
    line = -1
    for raw in (sample / "main.diagnostics.bicep").read_bytes().decode("utf-8-sig").split(newline):
        match = ANNOTATION.match(raw)
        if match is None:
            line += 1  # a source line; annotations belong to the one before them
        elif match.group(3) in lx.MESSAGES:
            found.append((match.group(3), line, int(match.group(1)), int(match.group(2))))
    return sorted(found)


def reported(source: str) -> list[tuple[str, int, int, int]]:
    found = []
    for finding in lx.findings(source):
        line, column = lx.utf16_position(source, finding.start)
        found.append((finding.code, line, column, column + lx.utf16_length(finding.text)))
    return sorted(found)


def sample_source(sample: Path) -> str:
    return (sample / "main.bicep").read_bytes().decode("utf-8-sig")


def test_samples_cover_valid_files_and_bcp001():
    codes = {code for sample in SAMPLE_DIRS for code, *_ in expected_lexer_diagnostics(sample)}
    assert {"BCP001", "BCP226", "BCP002", "BCP004", "BCP006", "BCP103", "BCP140"} <= codes
    valid = [s for s in SAMPLE_DIRS if not expected_lexer_diagnostics(s)]
    assert len(valid) >= 4


@pytest.mark.parametrize("sample", SAMPLE_DIRS, ids=lambda p: p.name)
def test_gate_agrees_with_the_compilers_sample(sample: Path):
    assert reported(sample_source(sample)) == expected_lexer_diagnostics(sample)


def test_pragma_rules_from_the_compiler():
    ok = "#disable-next-line no-unused-params\nparam a string\n  #disable-next-line BCP081 BCP037\nparam b string\n"
    assert lx.findings(ok) == []
    assert lx.findings("#disable-diagnostics BCP081\nparam a string\n#restore-diagnostics BCP081\n") == []
    not_pragmas = {
        "unknown directive": "#checkov:skip=CKV_AZURE_35:reason\n",
        "space after #": "#  disable-next-line no-unused-params\n",
        "after a comment on the line": "/* x */#disable-next-line no-unused-params\n",
        "after code on the line": "var a = 'x' #disable-next-line no-unused-params\n",
    }
    for name, source in not_pragmas.items():
        assert [f.code for f in lx.findings(source)] == ["BCP001"], name
    assert [f.code for f in lx.findings("#disable-next-line\nparam a string\n")] == ["BCP226"]


def test_strings_comments_and_interpolation_are_not_tokens():
    source = (
        "// #not a token\n/* #nor\n this */\n"
        "var a = 'it''s'\n"  # two strings side by side: fine for the lexer
        "var b = 'x # ${a} \\${literal} \\u{1F600} \\' done'\n"
        "var c = '''\n# raw ${not a hole} \\n\n'''\n"
        "var d = $$'''\n#${a} $${a}\n'''\n"
        "var e = { k: 'v', 'quoted key': [1, 2] }[?'k'] ?? a =~ 'x' && !true || 1 >= 2\n"
    )
    assert lx.findings(source) == []


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("var a = 'x\nvar b = 1\n", "BCP004"),
        ("var a = 'x", "BCP003"),
        ("var a = 'x\\q'\n", "BCP006"),
        ("var a = 'x\\u{zz}'\n", "BCP133"),
        ("var a = '''x''\n", "BCP140"),
        ("/* open\n", "BCP002"),
        ('var a = "x"\n', "BCP103"),
        ("var a = 1 & 2\n", "BCP001"),
        ("var a = $x\n", "BCP001"),
    ],
)
def test_lexer_errors(source: str, code: str):
    assert code in [f.code for f in lx.findings(source)]


@pytest.mark.parametrize("path", b.bicep_files(), ids=lambda p: str(p.relative_to(b.INFRA)))
def test_infra_passes_the_lexical_gate(path: Path):
    text = path.read_text()
    assert [f.describe(text) for f in lx.findings(text)] == []


def with_old_style_skip(text: str) -> str:
    """The module as it was before: a `#checkov:skip=` line as the first line of a resource body."""
    return re.sub(
        r"(\nresource account [^\n]*\{\n)",
        r"\1  #checkov:skip=CKV_AZURE_35:public endpoint, see docs/deployment.md\n",
        text,
        count=1,
    )


def test_gate_rejects_the_old_checkov_skip_form_that_pycep_accepts():
    old = with_old_style_skip((b.MODULES / "storage.bicep").read_text())
    assert "#checkov:skip=" in old
    findings = lx.findings(old)
    assert [(f.code, f.text) for f in findings] == [("BCP001", "#")]
    assert b.parse_text(old)["resources"]["account"]  # why pycep alone was no gate


def test_skips_are_comments_checkov_can_read():
    for path in b.bicep_files():
        for line in path.read_text().splitlines():
            if "checkov:skip=" in line:
                assert re.match(r"^\s*// checkov:skip=CKV2?_AZURE_\d+:\S", line), (path.name, line)
