"""The `alerts:` section of `opsbot.yaml` (Alerts in): what it accepts, each mistake refused
at its place by `opsbot config check`, and the routing of an alert group by its labels."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import textwrap
from pathlib import Path

import pytest

from bot.alerts.routing import Routing, route
from bot.cli import main
from bot.config import AlertSource, example_config_path, load_config
from bot.reload import reload_config

EXAMPLE = example_config_path().read_text()
ROOT_EXAMPLE = Path(__file__).parent.parent / "opsbot.example.yaml"

ALERTS = """\
alerts:
  channel: C0ALERTS
  sources:
    - id: prometheus
      kind: alertmanager
      roster: platform
      alertmanager_url: http://alertmanager:9093/
      outside_windows: page
      routes:
        - match: {severity: critical, team: payments}
          roster: platform
          declare: sev2
        - match: {severity: /info|none/}
          page: false
        - match: {team: mobile}
          roster: mobile
    - id: grafana
      kind: grafana
      roster: mobile
      outside_windows: post
      grafana_signature: {secret_env: GRAFANA_WEBHOOK_SECRET}
    - id: nightly-backup
      kind: heartbeat
      expect_every: 26h
      roster: platform
"""
WITH_ALERTS = EXAMPLE + ALERTS


def check(path: Path) -> tuple[int, list[str], str]:
    """`opsbot config check PATH`: (exit status, the lines printed, what went to stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["config", "check", str(path)])
    return code, out.getvalue().splitlines(), err.getvalue()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "opsbot.yaml"
    path.write_text(text)
    return path


def test_the_alerts_section_loads(tmp_path):
    path = write(tmp_path, WITH_ALERTS)
    assert check(path)[0] == 0
    config = load_config(path)
    assert config.alerts_channel == "C0ALERTS"
    prometheus = config.alert_source("prometheus")
    assert prometheus is not None
    assert (prometheus.kind, prometheus.roster, prometheus.outside_windows) == (
        "alertmanager",
        "platform",
        "page",
    )
    # Kept without the trailing slash, for the Silence buttons' /api/v2/silences.
    assert prometheus.alertmanager_url == "http://alertmanager:9093"
    assert [r.match for r in prometheus.routes] == [
        {"severity": "critical", "team": "payments"},
        {"severity": "/info|none/"},
        {"team": "mobile"},
    ]
    assert [(r.roster, r.page, r.declare) for r in prometheus.routes] == [
        ("platform", True, "sev2"),
        (None, False, None),
        ("mobile", True, None),
    ]
    grafana = config.alert_source("grafana")
    assert grafana is not None and grafana.grafana_signature is not None
    assert grafana.outside_windows == "post"
    assert grafana.grafana_signature.secret_env == "GRAFANA_WEBHOOK_SECRET"
    assert grafana.grafana_signature.header == "X-Grafana-Alerting-Signature"
    assert grafana.grafana_signature.timestamp_header is None
    backup = config.alert_source("nightly-backup")
    assert backup is not None and backup.expect_every == dt.timedelta(hours=26)
    assert config.alert_source("nagios") is None


def test_without_the_section_there_are_no_sources_and_alerts_go_to_the_incidents_channel():
    config = load_config(example_config_path())
    assert config.alerts.sources == []
    assert config.alert_source("prometheus") is None
    assert config.alerts_channel == "C0INCIDENT"


def test_the_root_example_is_the_packaged_one_with_an_alerts_section():
    """README says `cp opsbot.example.yaml opsbot.yaml`; the shell and the tests use the
    packaged example. The root one is the packaged one followed by the alerts section: a
    change to the packaged example belongs in the root one too."""
    root = ROOT_EXAMPLE.read_text()
    assert root.startswith(EXAMPLE), "copy the change of bot/examples/ to opsbot.example.yaml"
    assert root[len(EXAMPLE) :].lstrip("\n").startswith("# Alerts in")
    config = load_config(ROOT_EXAMPLE)
    assert [s.id for s in config.alerts.sources] == ["prometheus", "grafana", "nightly-backup"]


@pytest.mark.parametrize(
    ("typed", "every"),
    [
        ("90s", dt.timedelta(seconds=90)),
        ("15m", dt.timedelta(minutes=15)),
        ("2d", dt.timedelta(days=2)),
        ("1h30m", dt.timedelta(hours=1, minutes=30)),
        ("1d12h", dt.timedelta(hours=36)),
        ("30d", dt.timedelta(days=30)),
    ],
)
def test_expect_every_reads_durations(tmp_path, typed, every):
    text = WITH_ALERTS.replace("expect_every: 26h", f"expect_every: {typed}")
    config = load_config(write(tmp_path, text))
    backup = config.alert_source("nightly-backup")
    assert backup is not None and backup.expect_every == every


# (text of WITH_ALERTS, what replaces it, the error, the text where it is reported when it is
# not the replacement's first changed character).
MISTAKES = [
    ("team: payments}", 'team: "/pay[/"}',
     "alerts.sources[0].routes[0].match.team: '/pay[/' is not a regular expression: "
     "unterminated character set at position 3", "/pay["),
    ("match: {team: mobile}", "match: {}",
     "alerts.sources[0].routes[2].match: at least one label to match is needed", None),
    ("match: {team: mobile}", "match: {team: 5}",
     'alerts.sources[0].routes[2].match.team: must be text, not 5 (put it in quotes: "5")',
     "5}"),
    ("match: {team: mobile}", "match: [team, mobile]",
     "alerts.sources[0].routes[2].match: must be a mapping of keys to values, not a list",
     "[team"),
    ("page: false\n", "page: false\n          declare: sev3\n",
     "alerts.sources[0].routes[1].declare: a route with page: false cannot declare an incident "
     "(sev3); remove one of the two", "sev3"),
    ("          declare: sev2", "          declare: sev5",
     "alerts.sources[0].routes[0].declare: must be one of 'sev1', 'sev2', 'sev3' or 'sev4', "
     "not 'sev5'", "sev5"),
    ("kind: alertmanager\n      roster: platform", "kind: alertmanager\n      roster: platfrom",
     "alerts.sources[0].roster: 'platfrom' is not the id of a roster; the rosters are "
     "platform, mobile", "platfrom"),
    ("roster: mobile\n    - id: grafana", "roster: mobil\n    - id: grafana",
     "alerts.sources[0].routes[2].roster: 'mobil' is not the id of a roster; the rosters are "
     "platform, mobile", "mobil\n"),
    ("- id: grafana", "- id: prometheus",
     "alerts.sources[1].id: source id 'prometheus' is already the id of sources[0]",
     "prometheus\n      kind: grafana"),
    ("- id: grafana", "- id: grafana-production-europe-west1",
     "alerts.sources[1].id: 'grafana-production-europe-west1' is longer than 24 characters",
     "grafana-production"),
    ("- id: grafana", "- id: Grafana!",
     "alerts.sources[1].id: 'Grafana!' must be lowercase letters, digits, - or _", None),
    ("kind: grafana", "kind: nagios",
     "alerts.sources[1].kind: must be one of 'alertmanager', 'grafana', 'webhook' or "
     "'heartbeat', not 'nagios'", "nagios"),
    ("outside_windows: post", "outside_windows: mail",
     "alerts.sources[1].outside_windows: must be 'page' or 'post', not 'mail'", "mail"),
    ("http://alertmanager:9093/", "alertmanager:9093",
     "alerts.sources[0].alertmanager_url: 'alertmanager:9093' is not an http:// or https:// "
     "URL", None),
    ("{secret_env: GRAFANA_WEBHOOK_SECRET}", "{secret_env: GRAFANA_WEBHOOK_SECRET, "
     "timestamp_header: 'X Timestamp'}",
     "alerts.sources[1].grafana_signature.timestamp_header: 'X Timestamp' is not an HTTP "
     "header name", "'X Timestamp'"),
    ("{secret_env: GRAFANA_WEBHOOK_SECRET}", "{secret_env: GRAFANA_WEBHOOK_SECRET, secret: s3}",
     "alerts.sources[1].grafana_signature.secret: is not a key opsbot knows here; did you mean "
     "'secret_env'? The keys here are secret_env, header, timestamp_header", "secret:"),
    ("      expect_every: 26h\n", "",
     "alerts.sources[2].expect_every: required for a heartbeat source: how long may pass "
     "without a beat, such as 26h", "- id: nightly-backup"),
    ("expect_every: 26h", "expect_every: 26",
     "alerts.sources[2].expect_every: 26 is not a duration such as 90s, 15m, 26h, 2d or 1h30m",
     "26\n"),
    ("expect_every: 26h", "expect_every: 1.5h",
     "'1.5h' is not a duration such as 90s, 15m, 26h, 2d or 1h30m", "1.5h"),
    ("expect_every: 26h", "expect_every: 30s",
     "alerts.sources[2].expect_every: '30s' is shorter than 1 minute", "30s"),
    ("expect_every: 26h", "expect_every: 31d",
     "alerts.sources[2].expect_every: '31d' is longer than 30 days", "31d"),
    ("      outside_windows: post\n", "      outside_windows: post\n      expect_every: 1h\n",
     "alerts.sources[1].expect_every: only a source of kind heartbeat has expect_every; this "
     "one is of kind grafana", "1h\n"),
    ("      expect_every: 26h\n", "      expect_every: 26h\n      routes: [{match: {a: b}}]\n",
     "alerts.sources[2].routes: a heartbeat source has no routes: a missing beat pages the "
     "source's roster", "[{match"),
    ("      expect_every: 26h\n", "      expect_every: 26h\n      alertmanager_url: http://am\n",
     "alerts.sources[2].alertmanager_url: only a source of kind alertmanager has "
     "alertmanager_url; this one is of kind heartbeat", "http://am"),
    ("      outside_windows: post\n", "      outside_windows: post\n"
     "      alertmanager_url: http://am\n",
     "alerts.sources[1].alertmanager_url: only a source of kind alertmanager has "
     "alertmanager_url; this one is of kind grafana", "http://am"),
    ("      outside_windows: page\n", "      outside_windows: page\n"
     "      grafana_signature: {secret_env: S}\n",
     "alerts.sources[0].grafana_signature: only a source of kind grafana has "
     "grafana_signature; this one is of kind alertmanager", "{secret_env: S}"),
    ("  channel: C0ALERTS", "  channel: alerts",
     "alerts.channel: 'alerts' is not a Slack channel ID (C…)", "alerts\n"),
]  # fmt: skip


@pytest.mark.parametrize(("replace", "by", "error", "at"), MISTAKES)
def test_a_mistake_is_one_error_at_its_place(tmp_path, replace, by, error, at):
    assert WITH_ALERTS.count(replace) == 1
    text = WITH_ALERTS.replace(replace, by)
    changed = next(
        i for i, (old, new) in enumerate(zip(WITH_ALERTS, text, strict=False)) if old != new
    )
    place = text.index(at, len(EXAMPLE)) if at else changed
    line = text[:place].count("\n") + 1
    path = write(tmp_path, text)
    code, lines, err = check(path)
    assert code == 1
    assert err == f"1 error in {path}\n", lines
    [reported] = lines
    assert re.match(rf"{re.escape(str(path))}:{line}:\d+ ", reported), (line, reported)
    assert error in reported


def test_a_secret_typed_in_place_of_its_variable_is_not_printed(tmp_path):
    text = WITH_ALERTS.replace("secret_env: GRAFANA_WEBHOOK_SECRET", "secret_env: 'hunter2 xyz'")
    path = write(tmp_path, text)
    code, lines, _ = check(path)
    at = text.index("'hunter2")
    line, column = text[:at].count("\n") + 1, at - text.rindex("\n", 0, at)
    assert code == 1
    assert lines == [
        f"{path}:{line}:{column} alerts.sources[1].grafana_signature.secret_env: is not the "
        "name of an environment variable (letters, digits, _); the secret goes in that "
        "variable, never in this file"
    ]


def test_every_mistake_of_the_section_is_reported_in_one_run(tmp_path):
    """Errors of single fields and the rules across fields, beside an error elsewhere in
    the file, in the order of the file."""
    text = EXAMPLE.replace(
        "timezone: Asia/Tokyo\nadmins", "timezone: Mars\nadmins"
    ) + textwrap.dedent(
        """\
        alerts:
          sources:
            - id: prometheus
              kind: alertmanager
              roster: nobody
              routes:
                - match: {severity: "/crit(/"}
                  page: false
                  declare: sev1
            - id: prometheus
              kind: heartbeat
              roster: platform
        """
    )
    path = write(tmp_path, text)
    code, lines, err = check(path)
    first = EXAMPLE.count("\n") + 1  # the line of `alerts:`
    assert code == 1
    assert [line.removeprefix(f"{path}:") for line in lines] == [
        "4:11 timezone: 'Mars' is not an IANA time zone such as Asia/Tokyo",
        f"{first + 4}:15 alerts.sources[0].roster: 'nobody' is not the id of a roster; the "
        "rosters are platform, mobile",
        f"{first + 6}:29 alerts.sources[0].routes[0].match.severity: '/crit(/' is not a regular "
        "expression: missing ), unterminated subpattern at position 4",
        f"{first + 8}:20 alerts.sources[0].routes[0].declare: a route with page: false cannot "
        "declare an incident (sev1); remove one of the two",
        f"{first + 9}:7 alerts.sources[1].expect_every: required for a heartbeat source: how "
        "long may pass without a beat, such as 26h",
        f"{first + 9}:11 alerts.sources[1].id: source id 'prometheus' is already the id of "
        "sources[0]",
    ]
    assert err == f"6 errors in {path}\n"


def test_a_source_built_directly_applies_the_rules_across_its_fields():
    with pytest.raises(ValueError, match="expect_every: required for a heartbeat source"):
        AlertSource(id="backup", kind="heartbeat", roster="platform")
    with pytest.raises(ValueError, match="declare: a route with page: false cannot declare"):
        AlertSource.model_validate(
            {
                "id": "prometheus",
                "kind": "alertmanager",
                "roster": "platform",
                "routes": [{"match": {"a": "b"}, "page": False, "declare": "sev2"}],
            }
        )


def test_a_reload_brings_the_alerts_section_in_and_out(bot, tmp_path):
    path = write(tmp_path, WITH_ALERTS)
    assert bot.config.alerts_channel == "C0INCIDENT"
    assert reload_config(bot, str(path))
    assert bot.config.alerts_channel == "C0ALERTS"
    assert [s.id for s in bot.config.alerts.sources] == ["prometheus", "grafana", "nightly-backup"]
    path.write_text(EXAMPLE)
    assert reload_config(bot, str(path))
    assert bot.config.alert_source("prometheus") is None
    assert bot.config.alerts_channel == "C0INCIDENT"


# Routing ------------------------------------------------------------------------------------


def source(*routes: dict[str, object], roster: str = "platform") -> AlertSource:
    return AlertSource.model_validate(
        {"id": "prometheus", "kind": "alertmanager", "roster": roster, "routes": list(routes)}
    )


def test_the_first_route_whose_every_label_matches_wins():
    prometheus = source(
        {"match": {"severity": "critical", "team": "payments"}, "declare": "sev2"},
        {"match": {"team": "payments"}, "roster": "payments-oncall"},
        {"match": {"severity": "critical"}, "roster": "mobile"},
    )
    both = {"severity": "critical", "team": "payments", "alertname": "HighLatency"}
    assert route(prometheus, both) == Routing("platform", True, "sev2", 0)
    assert route(prometheus, {"severity": "warning", "team": "payments"}) == Routing(
        "payments-oncall", True, None, 1
    )
    assert route(prometheus, {"severity": "critical", "team": "search"}) == Routing(
        "mobile", True, None, 2
    )


def test_no_route_matching_pages_the_sources_roster():
    prometheus = source({"match": {"severity": "info"}, "page": False}, roster="mobile")
    assert route(prometheus, {"severity": "critical"}) == Routing("mobile", True, None, None)
    assert route(source(roster="mobile"), {}) == Routing("mobile", True, None, None)


def test_a_regex_matches_the_whole_value():
    prometheus = source({"match": {"team": "/pay/"}, "page": False})
    assert route(prometheus, {"team": "pay"}).route_index == 0
    assert route(prometheus, {"team": "payments"}).route_index is None
    assert route(prometheus, {"team": "prepay"}).route_index is None
    alternatives = source({"match": {"severity": "/info|none/"}, "page": False})
    assert route(alternatives, {"severity": "none"}) == Routing("platform", False, None, 0)
    assert route(alternatives, {"severity": "information"}).route_index is None
    # An exact value is not a regex: its dots and bars are themselves.
    exact = source({"match": {"host": "db.1"}})
    assert route(exact, {"host": "db.1"}).route_index == 0
    assert route(exact, {"host": "dbx1"}).route_index is None


def test_a_missing_label_matches_only_a_regex_that_matches_nothing_typed():
    prometheus = source(
        {"match": {"team": "/.+/"}, "roster": "a"},
        {"match": {"team": ""}, "roster": "b"},
        {"match": {"team": "/|none/"}, "roster": "c"},
    )
    assert route(prometheus, {"severity": "critical"}) == Routing("c", True, None, 2)
    assert route(prometheus, {"team": ""}) == Routing("b", True, None, 1)
    assert route(source({"match": {"team": "/none/"}}), {}).route_index is None
