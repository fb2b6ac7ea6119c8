"""A feed cannot make the assistant fetch what only this machine can reach.

`ssrf_probe.py` runs in a network namespace (`unshare -n -m`) with only loopback, where the
metadata address 169.254.169.254, a LAN host 10.0.0.1, a local admin port and a "public"
news host 1.2.3.4 all really answer, and names resolve through /etc/hosts: every request
not made was refused by the assistant, not lost on the way. Link-local and cloud-metadata
addresses are refused always (even listed in feeds.allow_hosts, even behind a redirect or
an IPv4-mapped IPv6 address); a public feed's links and redirects never reach loopback or
private addresses; a private host is fetched when the user subscribed to it or listed it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import make_assistant

from assistant.errors import SourceError

PROBE = Path(__file__).with_name("ssrf_probe.py")


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    done = subprocess.run(["unshare", "-n", "-m", "true"], capture_output=True, check=False)
    return done.returncode == 0


pytestmark = pytest.mark.skipif(
    not _namespaces_work(), reason="needs root for unshare -n -m (a loopback-only namespace)"
)


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("ssrf")
    done = subprocess.run(
        ["unshare", "-n", "-m", sys.executable, str(PROBE), str(work)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_forbidden_addresses_really_answer_in_the_namespace(probe: dict[str, Any]) -> None:
    assert probe["metadata_reachable"]


def test_metadata_feeds_are_refused_when_added(probe: dict[str, Any]) -> None:
    for url, error in probe["add_refused"].items():
        assert error.startswith("refused:") and "metadata" in error, url
    assert probe["add_lan"] is True  # a LAN reader may be subscribed to


def test_a_public_feed_reaches_no_private_address(probe: dict[str, Any]) -> None:
    feed = probe["public_feed"]
    assert probe["public_ids"] == ["urn:story:0"]  # only the public story was read
    assert feed["added"] == 1
    reasons = {path: reason for path, reason in feed["skipped"].items()}
    assert len(reasons) == 8
    for link, reason in reasons.items():
        assert reason.startswith("refused:"), (link, reason)
    assert "link-local or cloud metadata" in reasons["http://169.254.169.254/latest/meta-data/"]
    assert "link-local or cloud metadata" in reasons["http://metadata.example/latest/meta-data/"]
    assert (
        "link-local or cloud metadata"
        in reasons["http://[::ffff:169.254.169.254]/latest/meta-data/"]
    )
    # the name is checked for the address it resolves to
    assert reasons["http://sneaky.example:19101/x"].startswith("refused: sneaky.example (127.0.")
    assert "feeds.allow_hosts" in reasons["http://sneaky.example:19101/x"]
    assert "127.0.0.1" in reasons["http://[::ffff:127.0.0.1]:19101/x"]
    assert probe["hits_after_public"] == {"metadata": 0, "lan": 0, "admin": 0}


def test_redirects_into_private_space_are_refused(probe: dict[str, Any]) -> None:
    skipped = probe["redirects"]["skipped"]
    assert skipped["http://news.example/moved"].startswith("refused: 127.0.0.1 is a private")
    assert "cloud metadata" in skipped["http://news.example/meta"]
    assert probe["hits_after_public"]["admin"] == 0


def test_a_subscribed_lan_host_is_fetched_but_not_beyond(probe: dict[str, Any]) -> None:
    assert probe["lan_feed"]["added"] == 1
    assert probe["lan_hits"] == {"/feed": 1, "/page": 1}
    (reason,) = probe["lan_feed"]["skipped"].values()
    assert reason.startswith("refused: 127.0.0.1")
    assert probe["admin_hits_after_lan"] == 0


def test_allow_hosts_opens_private_hosts_but_never_metadata(probe: dict[str, Any]) -> None:
    allowed = probe["allowed_feed"]
    assert allowed["added"] + allowed["duplicates"] == 3  # the story and two LAN pages
    assert probe["allowed_hits"]["lan"].get("/page") == 3  # two here, one by the LAN reader
    assert probe["allowed_hits"]["metadata"] == 0
    reasons = probe["allowed_feed"]["skipped"]
    assert "cloud metadata" in reasons["http://169.254.169.254/latest/meta-data/"]


def test_literal_metadata_urls_are_refused_without_a_network(data_dir: Path) -> None:
    bot = make_assistant(data_dir)
    urls = (
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
    )
    for url in urls:
        with pytest.raises(SourceError, match="refused"):
            bot.feeds_add(url)
    report = bot.ingest("http://169.254.169.254/latest/meta-data/iam/")
    assert report.skipped[0].reason.startswith("refused:")
