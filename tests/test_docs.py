"""The documentation holds together: every relative link leads to a file and a heading that exist, the README
stays short enough for a newcomer, and the licence is in place. Text only: no TensorFlow, well under a second."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS, ROOT / "bench" / "README.md"]
README_MAX_LINES = 250  # the README must have fewer lines than this

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"(`+).*?\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
HTML_ANCHOR = re.compile(r"<a\s[^>]*(?:name|id)=\"([^\"]+)\"")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks, with inline code spans blanked (links in code are not links)."""
    lines, in_fence = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            lines.append(INLINE_CODE.sub("", line))
    return lines


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text, lowercase, without punctuation other than '-' and '_',
    spaces turned into '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor a page offers: its headings' slugs (repeats numbered -1, -2... as GitHub does) and
    explicit HTML anchors."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        found.update(HTML_ANCHOR.findall(line))
        heading = HEADING.match(line)
        if heading:
            slug = github_slug(heading.group(2))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    links = []
    for line in prose_lines(path.read_text(encoding="utf-8")):
        links += [target for target in LINK.findall(line) if not SCHEME.match(target)]
    return links


def test_the_pages_exist():
    for page in PAGES:
        assert page.is_file(), page
    assert {page.name for page in DOCS} >= {"FINDINGS.md", "doctor.md", "parameters.md", "operations.md"}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading(page: Path):
    broken = []
    for link in relative_links(page):
        target, _, fragment = link.partition("#")
        target = unquote(target.split("?", 1)[0])
        destination = (page.parent / target).resolve() if target else page
        if not destination.exists():
            broken.append(f"{link}: no file {os.path.relpath(destination, ROOT)}")
        elif fragment and destination.suffix == ".md" and unquote(fragment) not in anchors(destination):
            broken.append(f"{link}: no heading '#{fragment}' in {destination.relative_to(ROOT)}")
    assert not broken, f"broken links in {page.relative_to(ROOT)}:\n" + "\n".join(broken)


def test_the_slugs_follow_githubs_rules():
    assert github_slug("Outputs on disk: complete stages, resuming, the lock") == (
        "outputs-on-disk-complete-stages-resuming-the-lock"
    )
    assert github_slug("4. Scale: `bench/scale.py`") == "4-scale-benchscalepy"
    assert github_slug("Cost of the doctor's probes") == "cost-of-the-doctors-probes"
    assert github_slug("The command line and Prefect's temporary server") == (
        "the-command-line-and-prefects-temporary-server"
    )


def test_the_readme_and_the_docs_link_both_ways():
    readme_links = {link.partition("#")[0] for link in relative_links(README)}
    for page in DOCS:
        assert f"docs/{page.name}" in readme_links, f"the README does not link to docs/{page.name}"
        if page.name != "FINDINGS.md":  # the catalogue is a reference page, left as it is
            assert "../README.md" in {link.partition("#")[0] for link in relative_links(page)}, page.name
    bench = ROOT / "bench" / "README.md"
    assert "bench/README.md" in readme_links
    assert "../README.md" in {link.partition("#")[0] for link in relative_links(bench)}


def test_the_readme_is_short():
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines < README_MAX_LINES, f"README.md has {lines} lines: move details into docs/"


def test_the_readme_keeps_the_commands_ci_calls():
    readme = README.read_text(encoding="utf-8")
    for command in ("make run", "make test"):
        assert re.search(rf"^{command}\b", readme, re.MULTILINE), command


def test_the_readme_names_every_finding_id():
    catalogued = set(re.findall(r"^\| `([a-z_]+)` \|", (ROOT / "docs" / "FINDINGS.md").read_text(), re.MULTILINE))
    readme = README.read_text(encoding="utf-8")
    section = readme[readme.index("## What the doctor finds") :]
    table = "\n".join(line for line in section.splitlines() if line.startswith("| "))
    assert set(re.findall(r"`([a-z_]+)`", table)) == catalogued


def test_the_parameters_page_lists_every_key_of_params_yaml():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    keys = {f"{section}.{key}" for section, values in params.items() for key in values}
    page = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([a-z_]+\.[a-z0-9_]+)` \|", page, re.MULTILINE)
    assert len(documented) == len(set(documented)), "a key is documented twice"
    assert set(documented) == keys


def test_the_licence_is_apache_2_and_pyproject_names_it():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    assert "Copyright 2026 the cnn-doctor authors" in licence
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] in ("Apache-2.0", {"text": "Apache-2.0"})
    assert "LICENSE" in README.read_text(encoding="utf-8")


def test_the_readmes_own_script_example_is_the_example_a_test_runs():
    """The README shows examples/own_script.py (run by tests/test_own_script.py) without its docstring."""
    example = (ROOT / "examples" / "own_script.py").read_text(encoding="utf-8")
    code = example.split('"""', 2)[2].strip()
    assert f"```python\n{code}\n```" in README.read_text(encoding="utf-8")
