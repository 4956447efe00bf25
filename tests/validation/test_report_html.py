"""The HTML validation report (gen.validation.html), written beside report.md by ``hnlgen validate``."""

import argparse
import base64
import html
import subprocess
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gen.cli import validate as validate_cmd
from gen.validation import comparisons as v
from gen.validation import html as vh

# The smallest valid PNG (1x1 pixel, grey): the figure content does not matter, its bytes are compared.
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="
)
_VOID = {"meta", "img", "br", "hr", "link", "input", "col", "wbr", "source"}
_NASTY = 'x < 1 & y > 2 <script>alert("no")</script> &amp;'


class _StrictParser(HTMLParser):
    """Collects what the tests check and fails on any structural error html.parser would tolerate."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def unknown_decl(self, data):
        self.errors.append(f"unknown declaration {data!r}")


def _parse(path: Path) -> _StrictParser:
    p = _StrictParser()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    assert p.doctype == "DOCTYPE html"
    assert not p.errors and not p.stack, (p.errors, p.stack)
    return p


def _records(tmp_path: Path) -> list[v.Comparison]:
    (tmp_path / "fig_a.png").write_bytes(_PNG)
    (tmp_path / "fig b&c.png").write_bytes(_PNG[::-1])  # a name that needs URL quoting and HTML escaping
    return [
        v.check_number("two", compared="1+1", source="arithmetic", ours=2.0, theirs=2.0, abs_tol=1e-12,
                       tolerance_reason="exact", figure="fig_a.png", details="see `gen.validation.comparisons`\n\nsecond paragraph"),
        v.check_number(_NASTY, compared=f"compared {_NASTY}", source=f"source {_NASTY}", ours=2.0, theirs=3.0,
                       rel_tol=0.01, tolerance_reason=f"why {_NASTY}", figure="fig b&c.png", details=f"details {_NASTY}"),
        v.explained(v.check_number("four", compared="2+2", source="paper", ours=4.0, theirs=5.0, abs_tol=0.1,
                                   tolerance_reason="exact"), f"cause {_NASTY}", "typo in eq. (1)"),
        v.Comparison("skipped", "c", "-", None, None, "-", "SKIP", "requires physics.x, which does not exist yet"),
        v.Comparison("crashed", "c", "-", None, None, "-", "FAIL", "error: RuntimeError: <boom>",
                     details="```\nTraceback: a < b\n```"),
        v.Comparison("lost figure", "c", "s", 1.0, 1.0, "exact", "PASS", figure="not_written.png"),
    ]


def _info(quick=True):
    return vh.RunInfo("9.9.9", "abc123 (/repo)", "2024-01-01 00:00:00 UTC", {"CPU": "test <cpu>"}, 12.34, quick,
                      "hnlgen validate --quick")


def _rows(p: _StrictParser) -> list[set[str]]:
    return [set(a["class"].split()) for t, a in p.tags if t == "tr" and "record-row" in a.get("class", "")]


@pytest.mark.parametrize("embed", [False, True])
def test_html_report_structure_rows_links_and_figures(tmp_path, embed):
    recs = _records(tmp_path)
    path = vh.write_html_report(recs, tmp_path, _info(), embed=embed)
    assert path == tmp_path / "report.html"
    p = _parse(path)
    # one summary row per record, in order, with the status class of that record
    assert [r - {"record-row"} for r in _rows(p)] == [{vh.STATUS_CLASSES[c.status]} for c in recs]
    assert [c.status for c in recs] == ["PASS", "FAIL", "FAIL (explained)", "SKIP", "FAIL", "PASS"]
    # every summary link lands on a record section carrying the same status class
    ids = {a["id"]: a.get("class", "") for t, a in p.tags if "id" in a}
    links = [a["href"] for t, a in p.tags if t == "a" and a.get("href", "").startswith("#c")]
    assert links[: len(recs)] == [f"#c{i}" for i in range(1, len(recs) + 1)]
    for i, c in enumerate(recs, 1):
        assert ids[f"c{i}"] == f"record {vh.STATUS_CLASSES[c.status]}"
    # figures: two exist, the third is reported missing instead of a broken image
    imgs = [a["src"] for t, a in p.tags if t == "img"]
    assert len(imgs) == 2 and "figure file not_written.png missing" in "".join(p.text)
    for src, name in zip(imgs, ("fig_a.png", "fig b&c.png")):
        if embed:
            head, _, data = src.partition(",")
            assert head == "data:image/png;base64"
            assert base64.b64decode(data) == (tmp_path / name).read_bytes()
        else:
            assert (tmp_path / urllib.parse.unquote(src)).read_bytes() == (tmp_path / name).read_bytes()
    assert len([t for t, a in p.tags if t == "figcaption"]) == 2
    # the fenced traceback is a <pre>, the backtick span a <code>
    assert "pre" in {t for t, _ in p.tags} and "Traceback: a < b\n" in p.text
    assert "gen.validation.comparisons" in p.text


def test_html_report_escapes_record_text(tmp_path):
    path = vh.write_html_report(_records(tmp_path), tmp_path, _info())
    raw = path.read_text(encoding="utf-8")
    p = _parse(path)
    assert "script" not in {t for t, _ in p.tags}  # the record text never becomes markup
    assert "<script>" not in raw and html.escape(_NASTY) in raw
    text = "".join(p.text)
    for field in (_NASTY, f"compared {_NASTY}", f"source {_NASTY}", f"why {_NASTY}", f"details {_NASTY}", f"cause {_NASTY}",
                  "error: RuntimeError: <boom>", "test <cpu>"):
        assert field in text, field  # after the parser un-escapes, the text is exactly the record's
    alts = [a["alt"] for t, a in p.tags if t == "img"]
    assert _NASTY in alts


def test_html_report_counts_and_metadata(tmp_path):
    recs = _records(tmp_path)
    p = _parse(vh.write_html_report(recs, tmp_path, _info(quick=False)))
    text = " ".join(p.text)
    badges = [a["class"] for t, a in p.tags if t == "span" and a.get("class", "").startswith("badge status-")]
    assert badges == ["badge status-pass", "badge status-fail", "badge status-explained", "badge status-skip", "badge status-info"]
    for n, s in ((2, "PASS"), (2, "FAIL"), (1, "FAIL (explained)"), (1, "SKIP"), (0, "INFO")):
        assert f"{n} {s}" in text
    for item in ("9.9.9", "abc123 (/repo)", "2024-01-01 00:00:00 UTC", "12.3 s", "full", "hnlgen validate --quick"):
        assert item in text, item
    with pytest.raises(ValueError, match="status = 'OK'"):
        vh.status_class("OK")


@pytest.fixture
def fake_registry(monkeypatch):
    monkeypatch.setattr(v, "_REGISTRY", {})
    monkeypatch.setattr(v, "COMPARISON_MODULES", [])
    return v


def test_validate_writes_html_beside_markdown(fake_registry, tmp_path, capsys):
    @v.comparison("with_figure", quick=True)
    def with_figure(ctx):
        """Writes a figure."""
        path = ctx.figure_path("fake_fig")
        path.write_bytes(_PNG)
        return v.check_number("one", compared="1", source="s", ours=1.0, theirs=1.0, tolerance_reason="exact",
                              figure=path.name)

    @v.comparison("crashes", quick=True)
    def crashes(ctx):
        """Raises."""
        raise RuntimeError("boom & <bang>")

    parser = argparse.ArgumentParser(prog="hnlgen")
    validate_cmd.register(parser.add_subparsers(dest="command"))
    for embed in (False, True):
        out = tmp_path / f"embed{embed}"
        args = parser.parse_args(["validate", "--quick", "-o", str(out), *(["--html-embed"] if embed else [])])
        assert args.func(args) == 1  # the crash is a FAIL
        assert f"{out}/report.html" in capsys.readouterr().out
        assert (out / "report.md").is_file()
        p = _parse(out / "report.html")
        assert [r - {"record-row"} for r in _rows(p)] == [{"status-pass"}, {"status-fail"}]
        (src,) = [a["src"] for t, a in p.tags if t == "img"]
        assert src.startswith("data:image/png;base64,") if embed else src == "fake_fig.png"
        text = " ".join(p.text)
        assert "error: RuntimeError: boom & <bang>" in text and "quick" in text
        assert ("--html-embed" in text) == embed


def _git(cwd, *args):
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True).stdout.strip()


def test_git_commit_only_from_an_hnlgen_checkout(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert vh.git_commit([plain]).startswith("not available")
    other, ours = tmp_path / "other", tmp_path / "ours"
    for repo, name in ((other, "something-else"), (ours, "hnlgen")):
        repo.mkdir()
        (repo / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n')
        _git(repo, "init", "-q")
        _git(repo, "add", "pyproject.toml")
        _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    (other / "sub").mkdir()
    assert vh.git_commit([other / "sub"]).startswith("not available")  # e.g. site-packages inside a pyenv git tree
    head = _git(ours, "rev-parse", "HEAD")
    assert vh.git_commit([other, ours]) == f"{head} ({ours.resolve()})"
    (ours / "pyproject.toml").write_text('[project]\nname = "hnlgen"\nversion = "0"\n')
    assert vh.git_commit([ours]) == f"{head} ({ours.resolve()}, modified)"


def test_public_api_is_pinned():
    assert set(vh.__all__) == {"RunInfo", "collect_run_info", "git_commit", "status_class", "write_html_report",
                               "STATUS_CLASSES"}
    assert set(vh.STATUS_CLASSES) == set(v.STATUSES)
