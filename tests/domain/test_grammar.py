"""Table-driven tests of every form of the ``/incident`` grammar and its error messages."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.domain import grammar as g
from bot.domain.grammar import (
    MAX_TEXT,
    MAX_TITLE,
    Acknowledge,
    AddFollowup,
    AddNote,
    AssignRole,
    ChangeSeverity,
    CloseFollowup,
    CommandError,
    Declare,
    Escalate,
    ListFollowups,
    ListIncidents,
    MyFollowups,
    OpenDeclareModal,
    PostSummary,
    PostUpdate,
    Reopen,
    Resolve,
    Runbook,
    ShowHelp,
    ShowOncall,
    ShowStatus,
    ShowTimeline,
    clean_title,
    parse_command,
    parse_user,
)
from bot.domain.status import Status
from bot.domain.text import from_command
from bot.domain.usage import SPECS, Scope, help_text
from tests.domain.policies import POLICY, S_POLICY, SEV1, SEV2, SEV3, SEV4, VALID_LISTING

PARSES: list[tuple[str, g.Command]] = [
    # Declaring: "<severity> <title>" and "declare <severity> <title>".
    ("SEV1 payments down", Declare(SEV1, "payments down")),
    ("declare SEV1 payments down", Declare(SEV1, "payments down")),
    ("DECLARE sev2 checkout slow", Declare(SEV2, "checkout slow")),
    ("Declare Sev3 search degraded", Declare(SEV3, "search degraded")),
    ("sev1 payments down", Declare(SEV1, "payments down")),
    ("Sev1 payments down", Declare(SEV1, "payments down")),
    ("P0 payments down", Declare(SEV1, "payments down")),
    ("p0 payments down", Declare(SEV1, "payments down")),
    ("critical payments down", Declare(SEV1, "payments down")),
    ("CRITICAL payments down", Declare(SEV1, "payments down")),
    ("sev-1 payments down", Declare(SEV1, "payments down")),
    ("P1 checkout slow", Declare(SEV2, "checkout slow")),
    ("major checkout slow", Declare(SEV2, "checkout slow")),
    ("minor typo on pricing page", Declare(SEV3, "typo on pricing page")),
    ("low logo misaligned", Declare(SEV4, "logo misaligned")),
    ("declare P3 logo misaligned", Declare(SEV4, "logo misaligned")),
    # Whitespace anywhere is collapsed in the title; the description stays empty when nothing was cut.
    ("  SEV1    payments \t down  ", Declare(SEV1, "payments down")),
    ("SEV1\npayments\n\ndown", Declare(SEV1, "payments down")),
    ("declare   SEV1   payments   down", Declare(SEV1, "payments down")),
    # Emoji and non-Latin titles are kept as typed.
    ("SEV1 💳 payments down 🔥", Declare(SEV1, "💳 payments down 🔥")),
    ("SEV2 Zahlungen fallen aus – Köln", Declare(SEV2, "Zahlungen fallen aus – Köln")),
    ("SEV1 Платежи не проходят", Declare(SEV1, "Платежи не проходят")),
    ("SEV1 支付失败", Declare(SEV1, "支付失败")),
    # The declare modal: no arguments, severity only, or a title without a severity.
    ("", OpenDeclareModal()),
    ("   ", OpenDeclareModal()),
    ("\n\t ", OpenDeclareModal()),
    ("declare", OpenDeclareModal()),
    ("declare   ", OpenDeclareModal()),
    ("SEV1", OpenDeclareModal(severity=SEV1)),
    ("sev2   ", OpenDeclareModal(severity=SEV2)),
    ("critical", OpenDeclareModal(severity=SEV1)),
    ("declare SEV1", OpenDeclareModal(severity=SEV1)),
    ("declare p2", OpenDeclareModal(severity=SEV3)),
    ("payments down", OpenDeclareModal(title="payments down")),
    ("  payments   are down ", OpenDeclareModal(title="payments are down")),
    ("🔥🔥🔥", OpenDeclareModal(title="🔥🔥🔥")),
    ("Платежи не проходят", OpenDeclareModal(title="Платежи не проходят")),
    # A word that merely looks like a severity of another naming scheme is part of a title.
    ("S3 bucket is public", OpenDeclareModal(title="S3 bucket is public")),
    ("p2p sync stalled", OpenDeclareModal(title="p2p sync stalled")),
    ("SEVERE outage everywhere", OpenDeclareModal(title="SEVERE outage everywhere")),
    # Updates, with and without a status word.
    ("update investigating still looking", PostUpdate("still looking", Status.INVESTIGATING)),
    ("update identified bad deploy of api", PostUpdate("bad deploy of api", Status.IDENTIFIED)),
    ("update monitoring rolled back, watching", PostUpdate("rolled back, watching", Status.MONITORING)),
    ("UPDATE Identified bad deploy", PostUpdate("bad deploy", Status.IDENTIFIED)),
    ("update IDENTIFIED", PostUpdate("Status changed to identified.", Status.IDENTIFIED)),
    ("update monitoring", PostUpdate("Status changed to monitoring.", Status.MONITORING)),
    ("update error rate falling", PostUpdate("error rate falling")),
    ("update  error rate   falling ", PostUpdate("error rate   falling")),
    # "resolved" is not an update status (resolving has its own command), so it is plain text.
    ("update resolved all good", PostUpdate("resolved all good")),
    ("update identifiedish thing", PostUpdate("identifiedish thing")),
    # Roles: by id, alias or anything else (the service checks the role), users as Slack escapes them.
    ("role ic <@U123ABC|alice>", AssignRole("ic", "U123ABC")),
    ("role ic <@U123ABC>", AssignRole("ic", "U123ABC")),
    ("role commander <@U0G9QF9C6|bob>", AssignRole("commander", "U0G9QF9C6")),
    ("ROLE tech_lead <@W012A3CDE|carol>", AssignRole("tech_lead", "W012A3CDE")),
    ("role   scribe    <@U123ABC|dave>  ", AssignRole("scribe", "U123ABC")),
    ("role comms U012AB3CD", AssignRole("comms", "U012AB3CD")),
    ("role ic <@U123ABC|Ünïcode name>", AssignRole("ic", "U123ABC")),
    ("role ic   <@U123ABC|Ada  Lovelace> ", AssignRole("ic", "U123ABC")),
    # Severity changes.
    ("severity SEV2", ChangeSeverity(SEV2)),
    ("severity sev2", ChangeSeverity(SEV2)),
    ("severity P0", ChangeSeverity(SEV1)),
    ("severity low", ChangeSeverity(SEV4)),
    ("sev SEV3", ChangeSeverity(SEV3)),
    # Texts.
    ("note restarted the api pods", AddNote("restarted the api pods")),
    ("NOTE  restarted   pods ", AddNote("restarted   pods")),
    ("note 🚀 deploy 4711 rolled back", AddNote("🚀 deploy 4711 rolled back")),
    ("resolve rolled back deploy 4711", Resolve("rolled back deploy 4711")),
    ("resolve rolled back Root Cause: bad flag", Resolve("rolled back", "bad flag")),
    ("resolve rolled back root-cause:bad flag", Resolve("rolled back", "bad flag")),
    ("resolve fixed the rootcause: handler", Resolve("fixed the", "handler")),
    ("Resolve fixed", Resolve("fixed")),
    ("reopen errors are back", Reopen("errors are back")),
    ("reopen inc-2026-0042 errors are back", Reopen("errors are back", "INC-2026-0042")),
    ("reopen INC-2026-0042   errors  are back ", Reopen("errors  are back", "INC-2026-0042")),
    ("reopen INC-42 is back", Reopen("INC-42 is back")),  # not a reference: the reason, as typed
    ("timeline", ShowTimeline()),
    ("TIMELINE  ", ShowTimeline()),
    ("timeline inc-2026-0042", ShowTimeline("INC-2026-0042")),
    # Verbs without arguments.
    ("status", ShowStatus()),
    ("STATUS", ShowStatus()),
    ("summary", PostSummary()),
    ("list", ListIncidents()),
    ("  List  ", ListIncidents()),
    ("help", ShowHelp()),
    ("help me please", ShowHelp()),
    ("ack", Acknowledge()),
    ("acknowledge", Acknowledge()),
    ("escalate", Escalate()),
    ("oncall", ShowOncall()),
    ("on-call", ShowOncall()),
    # Runbooks.
    ("runbook", Runbook()),
    ("runbook   ", Runbook()),
    ("runbook api-down", Runbook("api-down")),
    ("RUNBOOK  database-failover ", Runbook("database-failover")),
    # Follow-ups: owner and due date at the end, in either order, both optional.
    ("followup Add an alert on queue depth", AddFollowup("Add an alert on queue depth")),
    ("followup Add an alert <@U0BOB|bob>", AddFollowup("Add an alert", "U0BOB")),
    ("followup Add an alert <@U0BOB|Bob Baker>", AddFollowup("Add an alert", "U0BOB")),
    ("followup Add an alert due 2026-12-15", AddFollowup("Add an alert", None, date(2026, 12, 15))),
    ("followup Add an alert <@U0BOB> due 2026-12-15", AddFollowup("Add an alert", "U0BOB", date(2026, 12, 15))),
    ("followup Add an alert DUE 2026-12-15 <@U0BOB>", AddFollowup("Add an alert", "U0BOB", date(2026, 12, 15))),
    ("follow-up ask <@U0CAROL> about it", AddFollowup("ask <@U0CAROL> about it")),  # a mention inside the text
    ("followup Alerts fire due to noise", AddFollowup("Alerts fire due to noise")),  # "due to" is English
    ("followup done 3", CloseFollowup(3)),
    ("followup DONE #12", CloseFollowup(12)),
    ("followups", ListFollowups()),
    ("follow-ups", ListFollowups()),
    ("followups mine", MyFollowups()),
    ("followups MINE ", MyFollowups()),
]

FOLLOWUP_ERRORS: list[tuple[str, str]] = [
    ("followup", "Please add the follow-up text"),
    ("followup <@U0BOB>", "Please add the follow-up text"),
    ("followup Fix due 2026-02-30", "`2026-02-30` is not a day of the calendar"),
    ("followup Fix due 15/12/2026", "`15/12/2026` is not a date. Write the due date as YYYY-MM-DD"),
    ("followup Fix due 2026-12-5", "`2026-12-5` is not a date"),
    ("followup Fix due tomorrow", "`tomorrow` is not a date"),
    ("followup Fix due friday", "`friday` is not a date"),
    ("followup Fix due 2026-12-15 due 2026-12-16", "one due date"),
    ("followup Fix <@U0BOB> <@U0CAROL>", "one owner"),
    ("followup done", "Which follow-up?"),
    ("followup done two", "`two` is not a follow-up number"),
    ("followup done 0", "`0` is not a follow-up number"),
    ("followups all", "Usage: `/incident followups`"),
    ("timeline yesterday", "`yesterday` is not an incident reference"),
    ("timeline INC-2026-0042 page 2", "is not an incident reference"),
    ("reopen INC-2026-0042", "Please add the reason: `/incident reopen INC-2026-0042 <reason>`"),
]


@pytest.mark.parametrize(("text", "fragment"), FOLLOWUP_ERRORS)
def test_followup_errors(text: str, fragment: str) -> None:
    with pytest.raises(CommandError, match=re.escape(fragment)):
        parse_command(text, POLICY)


@pytest.mark.parametrize(("text", "expected"), PARSES, ids=[repr(t) for t, _ in PARSES])
def test_parses(text: str, expected: g.Command) -> None:
    assert parse_command(text, POLICY) == expected


@pytest.mark.parametrize(
    "text",
    ["SEV9 x", "sev9 x", "declare SEV9 x", "declare sev-9 payments", "severity SEV9", "severity sev0",
     "P7 payments down", "SEV0", "severity SEV2 SEV3", "severity banana", "declare payments down"],
)
def test_unknown_severity_lists_the_valid_ones(text: str) -> None:
    with pytest.raises(CommandError) as info:
        parse_command(text, POLICY)
    message = str(info.value)
    assert VALID_LISTING in message
    assert "not a severity" in message


def test_unknown_severity_names_the_word_typed() -> None:
    with pytest.raises(CommandError, match="`SEV9` is not a severity"):
        parse_command("SEV9 x", POLICY)
    with pytest.raises(CommandError, match="`SEV9` is not a severity"):
        parse_command("declare SEV9 x", POLICY)


def test_severity_without_a_word_asks_which_and_lists_them() -> None:
    with pytest.raises(CommandError, match="Which severity") as info:
        parse_command("severity", POLICY)
    assert VALID_LISTING in str(info.value)


def test_shapes_follow_the_playbook_naming() -> None:
    """With S1/S2 severities, S3 is an unknown severity; with SEV ids it is the start of a title."""
    with pytest.raises(CommandError, match="S1 \\(Urgent\\), S2 \\(Normal\\)"):
        parse_command("S3 bucket is public", S_POLICY)
    assert parse_command("S3 bucket is public", POLICY) == OpenDeclareModal(title="S3 bucket is public")
    assert parse_command("s1 checkout down", S_POLICY) == Declare(S_POLICY.get("S1"), "checkout down")
    # SEV-shaped words are always taken as severities, whatever the playbook calls them.
    with pytest.raises(CommandError, match="`SEV1` is not a severity"):
        parse_command("SEV1 checkout down", S_POLICY)
    # P-shaped words are titles when the playbook has no P aliases.
    assert parse_command("P1 checkout down", S_POLICY) == OpenDeclareModal(title="P1 checkout down")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("update", "Please add the update text"),
        ("update    ", "Please add the update text"),
        ("note", "Please add the note"),
        ("note   ", "Please add the note"),
        ("resolve", "Please add the resolution summary"),
        ("resolve \t ", "Please add the resolution summary"),
        ("reopen", "Please add the reason"),
    ],
)
def test_empty_required_texts(text: str, fragment: str) -> None:
    with pytest.raises(CommandError, match=re.escape(fragment)) as info:
        parse_command(text, POLICY)
    assert "`/incident " in str(info.value), "the error shows the usage"


@pytest.mark.parametrize(
    ("verb", "what"),
    [("update", "update text"), ("update identified", "update text"), ("note", "note"),
     ("resolve", "resolution summary"), ("reopen", "reason")],
)
def test_over_long_texts_are_refused_with_the_limit(verb: str, what: str) -> None:
    too_long = "x" * (MAX_TEXT + 1)
    with pytest.raises(CommandError) as info:
        parse_command(f"{verb} {too_long}", POLICY)
    message = str(info.value)
    assert f"That {what} is {MAX_TEXT + 1:,} characters" in message
    assert f"{MAX_TEXT:,}" in message


@pytest.mark.parametrize("verb", ["update", "update monitoring", "note", "resolve", "reopen"])
def test_texts_exactly_at_the_limit_pass(verb: str) -> None:
    text = "y" * MAX_TEXT
    command = parse_command(f"{verb} {text}", POLICY)
    assert text in {getattr(command, name, None) for name in ("text", "summary", "reason")}


@pytest.mark.parametrize(
    "text",
    [
        "role",
        "role   ",
        "role ic",
        "role <@U123ABC|alice>",
        "role ic <@U123ABC> <@U456DEF>",
        "role ic <@U123ABC|a b> <@U456DEF|c d>",
        "role ic @alice extra",
    ],
)
def test_bad_role_syntax_shows_the_usage(text: str) -> None:
    with pytest.raises(CommandError, match=re.escape("Usage: `/incident role <role> @user`")):
        parse_command(text, POLICY)


@pytest.mark.parametrize(
    "who", ["@alice", "alice", "<#C123ABC|general>", "<!here>", "<@U1>", "WEBSITE", "u123abcd", "<@u123abc>"],
)
def test_role_with_a_token_that_is_not_a_user(who: str) -> None:
    with pytest.raises(CommandError) as info:
        parse_command(f"role ic {who}", POLICY)
    message = str(info.value)
    assert f"`{from_command(who)}` is not a Slack user" in message  # <!here> is quoted as the word @here
    assert "Mention them with @" in message


@pytest.mark.parametrize("verb", ["status", "summary", "list", "ack", "acknowledge", "escalate", "oncall"])
def test_argument_free_verbs_refuse_arguments(verb: str) -> None:
    with pytest.raises(CommandError, match=f"`{verb}` takes no arguments"):
        parse_command(f"{verb} now please", POLICY)


def test_two_thousand_character_title_is_cut_and_kept_as_description() -> None:
    words = [f"word{i}" for i in range(400)]
    title = " ".join(words)
    assert len(title) >= 2000
    command = parse_command(f"SEV1 {title}", POLICY)
    assert isinstance(command, Declare)
    assert command.severity == SEV1
    assert len(command.title) <= MAX_TITLE
    assert command.title.endswith("…")
    # Cut at a word boundary: every kept word is a whole word of the original.
    assert command.title[:-1].split() == words[: len(command.title[:-1].split())]
    assert command.description == title


def test_two_thousand_character_title_without_spaces() -> None:
    title = "x" * 2000
    command = parse_command(f"declare SEV2 {title}", POLICY)
    assert isinstance(command, Declare)
    assert command.title == "x" * (MAX_TITLE - 1) + "…"
    assert command.description == title


def test_long_bare_title_opens_the_modal_with_a_cut_title() -> None:
    command = parse_command("a" * 2000, POLICY)
    assert isinstance(command, OpenDeclareModal)
    assert len(command.title) == MAX_TITLE
    assert command.severity is None


def test_title_exactly_at_the_limit_is_kept_whole() -> None:
    title = "z" * MAX_TITLE
    assert parse_command(f"SEV1 {title}", POLICY) == Declare(SEV1, title, "")


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("  a   b  ", "a b"),
        ("a\tb\nc\r\nd", "a b c d"),
        ("a\u00a0b\u2003c", "a b c"),
        ("", ""),
        ("x" * 151, "x" * 149 + "…"),
        ("💳 " * 100, "💳 " * 73 + "💳…"),
    ],
    ids=["spaces", "tabs-newlines", "unicode-spaces", "empty", "151-chars", "emoji-words"],
)
def test_clean_title(raw: str, cleaned: str) -> None:
    assert clean_title(raw) == cleaned


def test_clean_title_prefers_a_word_boundary_in_the_second_half() -> None:
    title = "a" * 100 + " " + "b" * 100
    assert clean_title(title) == "a" * 100 + "…"
    # A space only in the first half does not make the title absurdly short.
    title = "a" * 10 + " " + "b" * 300
    assert clean_title(title) == ("a" * 10 + " " + "b" * 300)[:149] + "…"


@pytest.mark.parametrize(
    ("token", "user_id"),
    [
        ("<@U123ABC|alice>", "U123ABC"),
        ("<@U123ABC>", "U123ABC"),
        ("  <@U123ABC|alice>  ", "U123ABC"),
        ("<@W012A3CDE|carol>", "W012A3CDE"),
        ("<@U123ABC|>", "U123ABC"),
        ("<@U123ABC|name with spaces>", "U123ABC"),
        ("U012AB3CD", "U012AB3CD"),
        ("W0123456", "W0123456"),
        ("@alice", None),
        ("alice", None),
        ("", None),
        ("<@>", None),
        ("<@U1>", None),
        ("<@U123ABC", None),
        ("<#C123ABC|general>", None),
        ("<!channel>", None),
        ("<@C123ABC>", None),
        ("U123", None),
        ("UPDATES", None),
        ("u012ab3cd", None),
        ("<@U123ABC|alice>trailing", None),
    ],
)
def test_parse_user(token: str, user_id: str | None) -> None:
    assert parse_user(token) == user_id


def test_help_mentions_every_verb_and_usage() -> None:
    text = help_text()
    for spec in SPECS:
        assert f"`/incident {spec.usage}`" in text
        assert spec.summary in text
        if spec.verb:
            assert re.search(rf"/incident \[?{re.escape(spec.verb)}\b", text), spec.verb


def test_help_groups_verbs_by_where_they_work() -> None:
    text = help_text()
    anywhere, incident = text.split("_Inside an incident channel:_")
    assert "`/incident list`" in anywhere and "`/incident list`" not in incident
    assert "`/incident resolve <resolution summary> [root cause: <text>]`" in incident
    assert "`/incident resolve" not in anywhere


def test_every_spec_verb_parses() -> None:
    """The help is generated from SPECS, so every verb it advertises must be understood."""
    samples = {
        "declare": "declare SEV1 x",
        "update": "update x",
        "role": "role ic <@U123ABC>",
        "severity": "severity SEV1",
        "note": "note x",
        "resolve": "resolve x",
        "reopen": "reopen x",
        "runbook": "runbook",
        "followup": "followup x",
    }
    for spec in SPECS:
        if not spec.verb:
            continue
        command = parse_command(samples.get(spec.verb, spec.verb), POLICY)
        assert not isinstance(command, OpenDeclareModal), spec.verb


def test_incident_only_commands_match_the_specs_scope() -> None:
    incident_verbs = {s.verb for s in SPECS if s.scope is Scope.INCIDENT and s.verb}
    samples = {
        "update": "update x", "role": "role ic <@U123ABC>", "severity": "severity SEV1", "note": "note x",
        "resolve": "resolve x", "reopen": "reopen x", "followup": "followup x",
    }
    for verb in incident_verbs:
        assert isinstance(parse_command(samples.get(verb, verb), POLICY), g.INCIDENT_ONLY), verb
    for spec in SPECS:
        if spec.scope is Scope.ANYWHERE and spec.verb not in ("", "declare"):
            assert not isinstance(parse_command(spec.verb, POLICY), g.INCIDENT_ONLY), spec.verb
    assert not isinstance(parse_command("SEV1 x", POLICY), g.INCIDENT_ONLY)
    # Rows reached through another verb's words: ``followup done <n>`` and ``followups mine``.
    assert isinstance(parse_command("followup done 1", POLICY), g.INCIDENT_ONLY)
    assert not isinstance(parse_command("followups mine", POLICY), g.INCIDENT_ONLY)
    assert not isinstance(parse_command("", POLICY), g.INCIDENT_ONLY)


def test_runbook_settings_are_name_value_words() -> None:
    assert parse_command("runbook", POLICY) == Runbook()
    assert parse_command("runbook api-down service=checkout cluster=prod-eu", POLICY) == Runbook(
        "api-down", (("service", "checkout"), ("cluster", "prod-eu"))
    )
    for bad in ("runbook api-down checkout", "runbook api-down service=$(reboot)", "runbook x Service=a"):
        with pytest.raises(CommandError, match="not a runbook setting"):
            parse_command(bad, POLICY)
