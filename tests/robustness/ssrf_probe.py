"""Run inside `unshare -n -m` (by test_ssrf.py): a network namespace with only loopback, in
which every address a feed might aim at really answers, so a fetch that did not happen was
refused, not unreachable.

Set-up: loopback up, with 1.2.3.4 (a public address: "news.example"), 169.254.169.254 (the
cloud metadata address) and 10.0.0.1 (a LAN host: "lan.example") added to it; /etc/hosts
bind-mounted so those names and "sneaky.example" (-> 127.0.0.1) resolve through the system
resolver. A feed server listens on each, and an admin server on 127.0.0.1:19101. Then each
scenario runs through the public API and the outcome is printed as one JSON object.

Usage: unshare -n -m python ssrf_probe.py WORK_DIR
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from servers.hostile_server import FeedServer, Route, page, rss  # noqa: E402

from assistant import Assistant  # noqa: E402
from assistant.errors import SourceError  # noqa: E402

HOSTS = """127.0.0.1 localhost
::1 localhost
1.2.3.4 news.example
169.254.169.254 metadata.example
10.0.0.1 lan.example
127.0.0.1 sneaky.example
"""
STORY = "The harbour council approved a new ferry timetable on Tuesday after a long debate."


def setup(work: Path) -> None:
    hosts = work / "hosts"
    hosts.write_text(HOSTS, encoding="utf-8")
    for command in (
        "ip link set lo up",
        "ip addr add 1.2.3.4/32 dev lo",
        "ip addr add 169.254.169.254/32 dev lo",
        "ip addr add 10.0.0.1/32 dev lo",
        f"mount --bind {hosts} /etc/hosts",
    ):
        subprocess.run(command.split(), check=True)


def item(n: int, link: str) -> dict[str, str]:
    return {"title": f"Story {n}", "guid": f"urn:story:{n}", "link": link}


def main() -> None:
    work = Path(sys.argv[1])
    setup(work)
    public = FeedServer("1.2.3.4", 80).start()
    metadata = FeedServer("169.254.169.254", 80).start()
    lan = FeedServer("10.0.0.1", 80).start()
    admin = FeedServer("127.0.0.1", 19101).start()
    secret = page("Instance credentials", "AWS secret access key and token for this instance.")
    for server in (metadata, lan, admin):
        for path in ("/latest/meta-data/", "/admin/delete?all=1", "/page", "/feed", "/x"):
            server.routes[path] = Route(secret, "text/html")
    lan.routes["/feed"] = Route(
        rss("LAN reader", [item(1, "http://lan.example/page"), item(2, "http://127.0.0.1:19101/x")])
    )
    links = [
        "http://news.example/story",  # the one link that may be fetched
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.example/latest/meta-data/",
        "http://10.0.0.1/page",
        "http://lan.example/page",
        "http://127.0.0.1:19101/admin/delete?all=1",
        "http://sneaky.example:19101/x",  # a public-looking name for a loopback address
        "http://[::ffff:127.0.0.1]:19101/x",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
    ]
    public.routes["/feed"] = Route(rss("Coast News", [item(n, u) for n, u in enumerate(links)]))
    public.routes["/story"] = Route(page("Ferry timetable", STORY), "text/html")
    public.routes["/moved"] = Route(
        status=302, location="http://127.0.0.1:19101/admin/delete?all=1"
    )
    public.routes["/meta"] = Route(status=301, location="http://169.254.169.254/latest/meta-data/")
    out: dict[str, Any] = {}
    # the control: every forbidden address answers in here
    with urllib.request.urlopen("http://169.254.169.254/latest/meta-data/", timeout=5) as r:
        out["metadata_reachable"] = r.status == 200
    metadata.hits.clear()

    def bot(name: str, **overrides: Any) -> Assistant:
        return Assistant.from_config(store__data_dir=str(work / name), **overrides)

    def report(value: Any) -> dict[str, Any]:
        return {
            "skipped": {s.path: s.reason for s in value.skipped},
            "added": value.added,
            "duplicates": value.duplicates,
        }

    add_refused = {}
    for url in ("http://169.254.169.254/latest/meta-data/", "http://metadata.example/x"):
        try:
            bot("add").feeds_add(url)
            add_refused[url] = ""
        except SourceError as exc:
            add_refused[url] = str(exc)
    out["add_refused"] = add_refused
    out["add_lan"] = bot("add").feeds_add("http://lan.example/feed")

    public_bot = bot("public")
    out["public_feed"] = report(public_bot.ingest("http://news.example/feed"))
    out["public_ids"] = sorted(a.id for a in public_bot.articles())
    out["redirects"] = report(
        public_bot.ingest("http://news.example/moved", "http://news.example/meta")
    )
    out["hits_after_public"] = {
        "metadata": sum(metadata.hits.values()),
        "lan": sum(lan.hits.values()),
        "admin": sum(admin.hits.values()),
    }
    lan_bot = bot("lan")
    lan_bot.feeds_add("http://lan.example/feed")
    out["lan_feed"] = report(lan_bot.feeds_refresh())
    out["lan_hits"] = dict(lan.hits)
    out["admin_hits_after_lan"] = sum(admin.hits.values())
    try:
        hosts = ["lan.example", "169.254.169.254", "10.0.0.0/8"]
        allowed = bot("allowed", feeds__allow_hosts=hosts)
        out["allowed_feed"] = report(allowed.ingest("http://news.example/feed"))
    except Exception as exc:  # a setting this version does not know: recorded, not fatal
        out["allowed_feed"] = {"error": str(exc)}
    out["allowed_hits"] = {"metadata": sum(metadata.hits.values()), "lan": dict(lan.hits)}
    print(json.dumps(out))
    for server in (public, metadata, lan, admin):
        server.close()


if __name__ == "__main__":
    main()
