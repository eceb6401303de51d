"""The team chat robots' platform rules, without Odoo: bodies, signatures, splitting, addresses,
answers, back-off and scrubbing, sent over HTTP as the addon sends them to a local stand-in of
WeCom, DingTalk and Feishu that checks each request by the platform's own rules."""

import importlib.util
import math
import socket
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest
import requests

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "robot_platforms", REPO / "sales_followup/tools/robot.py"
)
robot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(robot)
_spec = importlib.util.spec_from_file_location(
    "robot_server", REPO / "sales_followup/tests/robot_server.py"
)
robot_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(robot_server)

WECOM, DINGTALK, FEISHU = robot.WECOM, robot.DINGTALK, robot.FEISHU
NOW = 1767225600.0  # 2026-01-01 00:00:00 UTC
SECRET = "SEC6a1f0c4e9b2d7358e0a4c1f6b9d2e7a3c8f05b1d6e2a9c4f7b0e3d8a5c1f6"
MOBILES = ["13800138000", "13900139000"]
FEISHU_IDS = ["ou_7d8a6e6df7621556ce0d21922b676706", "ou_1b2c3d"]
EN = (
    "**Daily follow-up sheet**\n"
    "- [Acme Ltd](https://crm.example.com/odoo/crm/7): call back about the quote\n"
    "> 3 leads are due today"
)
ZH = (
    "**每日跟进表**\n"
    "- [华为技术有限公司](https://crm.example.com/odoo/crm/8)：回电确认报价\n"
    "> 今天有 3 条线索到期"
)


class Clock:
    """The platform's clock, moved by the test instead of waiting."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def server(clock):
    with robot_server.RobotServer() as server:
        server.clock = clock
        yield server
        assert server.errors == []


def post(url, body, timeout=robot.TIMEOUT):
    """(HTTP status, at most RESPONSE_LIMIT bytes of the answer), sent as the addon sends."""
    with requests.post(
        url,
        data=robot.encode(body),
        headers={"Content-Type": "application/json"},
        timeout=timeout,
        allow_redirects=False,
        stream=True,
    ) as response:
        return response.status_code, response.raw.read(robot.RESPONSE_LIMIT, decode_content=True)


def deliver(server, kind, token, title, text, mobiles=(), feishu_ids=(), secret=None, now=NOW):
    """The outcomes of posting each body of a message, signed with ``secret`` at ``now``."""
    outcomes = []
    for body in robot.bodies(kind, title, text, mobiles, feishu_ids):
        url, signed_body = robot.signed(kind, server.url(kind, token), body, secret, now)
        outcomes.append(robot.outcome(kind, *post(url, signed_body)))
    return outcomes


def long_chinese_text(size):
    """Lines of Chinese (about 100 bytes each) adding up to at least ``size`` UTF-8 bytes."""
    lines, total, number = [], 0, 0
    while total < size:
        number += 1
        line = f"第{number}条：客户张先生回访记录，已发报价单，预计下周签约，需经理审批。"
        lines.append(line)
        total += len(line.encode()) + 1
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# Bodies, as the platforms take them
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", robot.KINDS)
@pytest.mark.parametrize("title, text", [("Follow-ups", EN), ("跟进提醒", ZH)])
def test_bodies_reach_each_platform(server, kind, title, text):
    assert deliver(server, kind, "t1", title, text) == [(robot.SENT, "")]
    assert server.rejected == []
    [message] = server.received
    assert (message["kind"], message["token"], message["mobiles"]) == (kind, "t1", [])
    if kind == FEISHU:
        assert (message["title"], message["text"]) == (title, text)
    else:
        assert message["text"] == f"### {title}\n{text}"
    if kind == WECOM:
        assert message["body"] == {"msgtype": "markdown", "markdown": {"content": message["text"]}}
    if kind == DINGTALK:
        assert message["body"]["markdown"]["title"] == title
        assert "at" not in message["body"]


def test_wecom_mentions_by_mobile_in_a_text_message(server):
    assert deliver(server, WECOM, "t1", "跟进提醒", ZH, MOBILES) == [(robot.SENT, "")]
    [message] = server.received
    assert message["body"]["msgtype"] == "text"
    assert message["mobiles"] == MOBILES
    assert message["text"] == (
        "跟进提醒\n"
        "每日跟进表\n"
        "- 华为技术有限公司 https://crm.example.com/odoo/crm/8：回电确认报价\n"
        "> 今天有 3 条线索到期"
    )


def test_dingtalk_mentions_by_mobile_in_the_text_and_at(server):
    assert deliver(server, DINGTALK, "t1", "Follow-ups", EN, MOBILES) == [(robot.SENT, "")]
    [message] = server.received
    assert message["body"]["at"] == {"atMobiles": MOBILES, "isAtAll": False}
    assert message["mobiles"] == MOBILES
    assert message["text"] == f"### Follow-ups\n{EN}\n\n@13800138000 @13900139000"


def test_feishu_mentions_by_id(server):
    assert deliver(server, FEISHU, "t1", "跟进提醒", ZH, feishu_ids=FEISHU_IDS) == [
        (robot.SENT, "")
    ]
    [message] = server.received
    assert message["at_ids"] == FEISHU_IDS
    assert message["text"] == ZH + "\n" + " ".join(f"<at id={uid}></at>" for uid in FEISHU_IDS)


def test_mentions_without_mobiles_or_ids_are_left_out(server):
    assert deliver(server, WECOM, "t1", "T", EN, ["", None], ["", None]) == [(robot.SENT, "")]
    assert server.received[0]["body"]["msgtype"] == "markdown"


def test_bodies_stay_within_the_limits_with_a_very_long_title(server):
    title = "华东大区重点客户跟进表" * 100
    for kind in robot.KINDS:
        outcomes = deliver(server, kind, f"t-{kind}", title, long_chinese_text(6000), MOBILES)
        assert set(outcomes) == {(robot.SENT, "")}, kind
    assert server.rejected == []
    titles = {message["title"] for message in server.received if message["kind"] == DINGTALK}
    assert all(len(title.encode()) <= robot.TITLE_LIMIT + 12 for title in titles)
    assert all(title.startswith("华东大区重点客户跟进表") for title in titles)


@pytest.mark.parametrize("kind", robot.KINDS)
def test_a_long_chinese_text_goes_in_numbered_parts(server, kind):
    text = long_chinese_text(30 * 1024)
    outcomes = deliver(server, kind, "t1", "日报", text)
    parts = len(outcomes)
    limit = robot.CONTENT_LIMITS[kind]
    assert parts >= math.ceil(len(text.encode()) / limit) and parts > 1
    assert outcomes == [(robot.SENT, "")] * parts
    assert server.rejected == [] and len(server.received) == parts
    titles = [f"日报 ({index}/{parts})" for index in range(1, parts + 1)]
    texts = []
    for title, message in zip(titles, server.received, strict=True):
        if kind == FEISHU:
            assert message["title"] == title
            texts.append(message["text"])
        else:
            heading, _newline, rest = message["text"].partition("\n")
            assert heading == f"### {title}"
            texts.append(rest)
        if kind == DINGTALK:
            assert message["title"] == title
    assert "\n".join(texts) == text, "cut between lines, nothing lost or repeated"


@pytest.mark.parametrize("kind", [WECOM, DINGTALK])
def test_mentions_go_with_the_last_part(server, kind):
    text = long_chinese_text(5000 if kind == WECOM else 25000)
    outcomes = deliver(server, kind, "t1", "日报", text, MOBILES)
    assert outcomes == [(robot.SENT, "")] * len(outcomes) and len(outcomes) > 1
    assert [message["mobiles"] for message in server.received] == [[]] * (len(outcomes) - 1) + [
        MOBILES
    ]
    if kind == WECOM:
        # A message that mentions is a text message throughout, its title as typed.
        assert {message["body"]["msgtype"] for message in server.received} == {"text"}
        assert server.received[0]["text"].startswith(f"日报 (1/{len(outcomes)})\n")
        assert "mentioned_mobile_list" not in server.received[0]["body"]["text"]
    else:
        assert server.received[-1]["text"].endswith("@13800138000 @13900139000")
        assert "@13800138000" not in server.received[0]["text"]


@pytest.mark.parametrize("kind", robot.KINDS)
def test_a_single_long_line_is_cut_between_characters(server, kind):
    line = "跟进客户😀🇨🇳" * 1000
    outcomes = deliver(server, kind, "t1", "日报", line)
    assert outcomes == [(robot.SENT, "")] * len(outcomes) and len(outcomes) > 1
    assert server.rejected == []
    if kind == FEISHU:
        pieces = [message["text"] for message in server.received]
    else:
        pieces = [message["text"].partition("\n")[2] for message in server.received]
    assert "".join(pieces) == line


# ------------------------------------------------------------------------------------------
# Splitting
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [256, 1000, 2048, 4000])
def test_split_text_cuts_between_lines_within_the_limit(limit):
    text = long_chinese_text(10 * 1024)
    parts = robot.split_text(text, limit)
    assert len(parts) >= math.ceil(len(text.encode()) / limit)
    assert all(len(part.encode()) <= limit for part in parts)
    assert "\n".join(parts) == text


def test_split_text_cuts_a_line_without_newline_between_characters():
    line = "跟进" * 1536  # 9,216 bytes
    parts = robot.split_text(line, 4000)
    assert [len(part.encode()) for part in parts] == [3999, 3999, 1218]
    assert "".join(parts) == line


def test_split_text_keeps_emoji_whole():
    line = "😀" * 3000  # 12,000 bytes
    parts = robot.split_text(line, 4001)
    assert [len(part.encode()) for part in parts] == [4000, 4000, 4000]
    assert "".join(parts) == line


def test_split_text_keeps_what_a_reader_sees_as_one_character_whole():
    flag = "\U0001f1e8\U0001f1f3"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    thumb = "\U0001f44d\U0001f3fd"
    units = [flag, family, thumb, "e\u0301", "\u2764\ufe0f", "字"] * 400
    line = "".join(units)
    parts = robot.split_text(line, 1000)
    assert len(parts) > 1 and all(len(part.encode()) <= 1000 for part in parts)
    assert "".join(parts) == line
    boundaries, position = set(), 0
    for unit in units:
        position += len(unit)
        boundaries.add(position)
    position = 0
    for part in parts[:-1]:
        position += len(part)
        assert position in boundaries, f"cut inside {line[position - 2 : position + 2]!r}"


def test_split_text_of_short_and_empty_texts():
    assert robot.split_text("跟进", 4096) == ["跟进"]
    assert robot.split_text("", 4096) == [""]
    assert robot.split_text("a\n\n\nb", 1) == ["a", "b"]


# ------------------------------------------------------------------------------------------
# Signatures
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [DINGTALK, FEISHU])
def test_signed_messages_are_accepted(server, kind):
    server.set_secret("t1", SECRET)
    assert deliver(server, kind, "t1", "跟进提醒", ZH, secret=SECRET) == [(robot.SENT, "")]
    # Signed a little less than an hour ago: still within the platform's hour.
    assert deliver(server, kind, "t1", "跟进提醒", ZH, secret=SECRET, now=NOW - 3540) == [
        (robot.SENT, "")
    ]
    assert server.rejected == []
    assert [message["signed"] for message in server.received] == [True, True]


@pytest.mark.parametrize(
    "secret, now, reason",
    [
        ("SECwrong", NOW, "does not match"),
        (SECRET, NOW - 7200, "more than an hour"),
        (SECRET, NOW + 7200, "more than an hour"),
        (None, NOW, "no timestamp and sign"),
    ],
    ids=["wrong secret", "two hours ago", "two hours ahead", "unsigned"],
)
@pytest.mark.parametrize("kind", [DINGTALK, FEISHU])
def test_signatures_are_refused_when_wrong_or_old(server, kind, secret, now, reason):
    server.set_secret("t1", SECRET)
    error = {DINGTALK: "310000 sign not match", FEISHU: "19021 sign match fail"}[kind]
    [(verdict, message)] = deliver(server, kind, "t1", "跟进提醒", ZH, secret=secret, now=now)
    assert verdict == robot.FAILED and message.startswith(error)
    assert server.received == []
    [rejected] = server.rejected
    assert reason in rejected["reason"]


def test_dingtalk_signs_in_the_query_url_encoded():
    url, body = robot.signed(
        DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=abc", {"a": 1}, SECRET, NOW
    )
    assert body == {"a": 1}
    query = urlsplit(url).query
    assert query.startswith("access_token=abc&timestamp=1767225600000&sign=")
    sign = query.rpartition("sign=")[2]
    assert not set("+/=") & set(sign), "base64 in a query is URL-encoded"
    assert unquote_plus(sign) == robot.dingtalk_sign(SECRET, 1767225600000)
    assert parse_qs(query)["sign"] == [robot.dingtalk_sign(SECRET, 1767225600000)]


def test_feishu_signs_in_the_body_and_wecom_not_at_all():
    body = {"msg_type": "interactive", "card": {"elements": []}}
    url, signed = robot.signed(FEISHU, "https://open.feishu.cn/x", body, SECRET, NOW + 0.9)
    assert url == "https://open.feishu.cn/x"
    assert signed == {
        **body,
        "timestamp": "1767225600",
        "sign": robot.feishu_sign(SECRET, 1767225600),
    }
    assert "timestamp" not in body
    assert robot.signed(WECOM, "https://q/x?key=k", body, SECRET, NOW) == (
        "https://q/x?key=k",
        body,
    )
    assert robot.signed(DINGTALK, "https://d/x", body, "", NOW) == ("https://d/x", body)


# ------------------------------------------------------------------------------------------
# Where a webhook may point
# ------------------------------------------------------------------------------------------

WECOM_PATH = "/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


@pytest.mark.parametrize(
    "kind, url, problem",
    [
        (WECOM, f"https://qyapi.weixin.qq.com{WECOM_PATH}", None),
        (WECOM, f"  https://QYAPI.weixin.qq.com:443{WECOM_PATH}  ", None),
        (DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=abc", None),
        (DINGTALK, "https://api.dingtalk.com/robot/send?access_token=abc", None),
        (FEISHU, "https://open.feishu.cn/open-apis/bot/v2/hook/abc", None),
        (FEISHU, "https://open.larksuite.com/open-apis/bot/v2/hook/abc", None),
        (WECOM, f"http://qyapi.weixin.qq.com{WECOM_PATH}", "scheme"),
        (DINGTALK, "http://oapi.dingtalk.com/robot/send?access_token=abc", "scheme"),
        (FEISHU, "http://open.feishu.cn/open-apis/bot/v2/hook/abc", "scheme"),
        (WECOM, f"https://qyapi.weixin.qq.com:8443{WECOM_PATH}", "host"),
        (WECOM, "https://oapi.dingtalk.com/robot/send?access_token=abc", "host"),
        (WECOM, f"https://example.com{WECOM_PATH}", "host"),
        (WECOM, f"https://qyapi.weixin.qq.com.evil.com{WECOM_PATH}", "host"),
        (WECOM, f"https://evilqyapi.weixin.qq.com{WECOM_PATH}", "host"),
        (FEISHU, "https://evil.com/open.feishu.cn/open-apis/bot/v2/hook/abc", "host"),
        (FEISHU, "https://evil.com#@open.feishu.cn/open-apis/bot/v2/hook/abc", "host"),
        (WECOM, f"https://user:pass@qyapi.weixin.qq.com{WECOM_PATH}", "not_url"),
        (WECOM, f"https://qyapi.weixin.qq.com@evil.com{WECOM_PATH}", "not_url"),
        (WECOM, f"https://qyapi.weixin.qq.com:99999{WECOM_PATH}", "not_url"),
        (WECOM, f"https://qyapi.weixin\n.qq.com{WECOM_PATH}", "not_url"),
        (WECOM, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a b", "not_url"),
        (WECOM, f"ftp://qyapi.weixin.qq.com{WECOM_PATH}", "not_url"),
        (WECOM, "javascript:alert(1)", "not_url"),
        (WECOM, "qyapi.weixin.qq.com/cgi-bin/webhook/send", "not_url"),
        (WECOM, "这不是网址", "not_url"),
        (WECOM, "", "not_url"),
        (WECOM, None, "not_url"),
    ],
)
def test_url_problem_of_official_and_other_hosts(kind, url, problem):
    assert robot.url_problem(url, kind, set()) == problem


def test_url_problem_of_hosts_an_administrator_listed():
    allowed = robot.parse_allowed_hosts(" 127.0.0.1:8069 , Robots.Example.com,, ")
    assert allowed == {"127.0.0.1:8069", "robots.example.com"}
    assert (
        robot.url_problem("http://127.0.0.1:8069/robot/send?access_token=a", DINGTALK, allowed)
        is None
    )
    assert robot.url_problem("https://127.0.0.1:8069/robot/send", DINGTALK, allowed) is None
    assert robot.url_problem("http://127.0.0.1:8070/robot/send", DINGTALK, allowed) == "host"
    assert robot.url_problem("http://127.0.0.1/robot/send", DINGTALK, allowed) == "host"
    assert robot.url_problem("http://localhost:8069/robot/send", DINGTALK, allowed) == "host"
    assert robot.url_problem("http://robots.example.com:81/hook", FEISHU, allowed) is None
    assert robot.url_problem("http://robots.example.com.evil.com/hook", FEISHU, allowed) == "host"
    assert robot.url_problem("http://a:b@robots.example.com/hook", FEISHU, allowed) == "not_url"
    # A listed port is the default one when the URL names none.
    assert robot.url_problem("http://127.0.0.1/x", WECOM, {"127.0.0.1:80"}) is None
    assert robot.url_problem("https://127.0.0.1/x", WECOM, {"127.0.0.1:80"}) == "host"
    assert robot.parse_allowed_hosts("") == robot.parse_allowed_hosts(None) == set()


def test_url_problem_of_the_stand_in_and_its_host(server):
    allowed = robot.parse_allowed_hosts(server.host)
    for kind in robot.KINDS:
        assert robot.url_problem(server.url(kind, "t1"), kind, allowed) is None
        assert robot.url_problem(server.url(kind, "t1"), kind, set()) == "host"
        assert robot.url_host(server.url(kind, "t1")) == server.host


# ------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------

RATE_CODES = [(WECOM, 45009), (DINGTALK, 130101), (DINGTALK, 410100), (FEISHU, 11232)]


@pytest.mark.parametrize("kind", robot.KINDS)
@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_busy_or_broken_servers_are_tried_again(server, kind, status):
    server.script("t1", ("status", status))
    [(verdict, error)] = deliver(server, kind, "t1", "T", EN)
    assert verdict == robot.RETRY and error.startswith(f"HTTP {status} ")
    assert server.received == [] and server.pending("t1") == 0
    assert [entry["answer"] for entry in server.scripted] == [("status", status)]
    assert deliver(server, kind, "t1", "T", EN) == [(robot.SENT, "")]


@pytest.mark.parametrize("kind, code", RATE_CODES)
def test_rate_limit_codes_are_tried_again(server, kind, code):
    server.script("t1", ("code", code))
    [(verdict, error)] = deliver(server, kind, "t1", "T", EN)
    assert (verdict, error) == (robot.RETRY, f"{code} {robot_server.MESSAGES[code]}")
    assert server.received == []


@pytest.mark.parametrize(
    "kind, code",
    [(DINGTALK, 310000), (FEISHU, 19021), (WECOM, 93000), (WECOM, 40008), (FEISHU, 9499)],
)
def test_other_error_codes_fail_the_message(server, kind, code):
    server.script("t1", ("code", code))
    [(verdict, error)] = deliver(server, kind, "t1", "T", EN)
    assert (verdict, error) == (robot.FAILED, f"{code} {robot_server.MESSAGES[code]}")
    assert server.received == []


@pytest.mark.parametrize("kind", robot.KINDS)
def test_the_platforms_own_rate_limit(server, clock, kind):
    per_minute = {WECOM: 20, DINGTALK: 20, FEISHU: 100}[kind]
    code, message = robot_server.RATE_ERRORS[kind]
    outcomes = []
    for index in range(per_minute):
        clock.now = NOW + index // 5  # five a second: within Feishu's second too
        outcomes += deliver(server, kind, "t1", "T", f"{index}")
    assert outcomes == [(robot.SENT, "")] * per_minute
    clock.now = NOW + 20
    assert deliver(server, kind, "t1", "T", "one more") == [(robot.RETRY, f"{code} {message}")]
    assert deliver(server, kind, "t2", "T", "another robot") == [(robot.SENT, "")]
    assert len(server.received) == per_minute + 1
    one_more = "one more" if kind == FEISHU else "### T\none more"
    assert [entry["text"] for entry in server.limited] == [one_more]
    clock.now = NOW + 60
    assert deliver(server, kind, "t1", "T", "a minute later") == [(robot.SENT, "")]


def test_feishu_sends_five_a_second(server, clock):
    outcomes = [deliver(server, FEISHU, "t1", "T", f"{index}")[0] for index in range(7)]
    limited = (robot.RETRY, "11232 " + robot_server.RATE_ERRORS[FEISHU][1])
    assert outcomes == [(robot.SENT, "")] * 5 + [limited] * 2
    clock.now = NOW + 1
    assert deliver(server, FEISHU, "t1", "T", "next second") == [(robot.SENT, "")]
    assert len(server.received) == 6 and len(server.limited) == 2


@pytest.mark.parametrize(
    "kind, status, content, verdict",
    [
        (WECOM, 200, b'{"errcode":0,"errmsg":"ok"}', robot.SENT),
        (FEISHU, 200, b'{"code":0,"msg":"success","data":{}}', robot.SENT),
        (FEISHU, 200, b'{"Extra":null,"StatusCode":0,"StatusMessage":"success"}', robot.SENT),
        (FEISHU, 200, b'{"code":11232,"msg":"frequency limited"}', robot.RETRY),
        (WECOM, 200, b'{"errcode":45009,"errmsg":"api freq out of limit"}', robot.RETRY),
        (WECOM, 200, b"<html>gateway</html>", robot.FAILED),
        (WECOM, 200, b'["ok"]', robot.FAILED),
        (WECOM, 404, b"", robot.FAILED),
        (WECOM, 302, b"", robot.FAILED),
        (DINGTALK, 200, b'{"errcode":"x","errmsg":"?"}', robot.FAILED),
        (DINGTALK, 504, None, robot.RETRY),
    ],
)
def test_outcome_of_answers(kind, status, content, verdict):
    assert robot.outcome(kind, status, content)[0] == verdict


@pytest.mark.parametrize("kind", robot.KINDS)
def test_a_redirect_is_not_followed(server, kind):
    server.script("t1", ("redirect", server.url(kind, "elsewhere")))
    url = server.url(kind, "t1")
    body = robot.bodies(kind, "T", EN)[0]
    status, content = post(url, body)
    assert status == 302
    assert robot.outcome(kind, status, content) == (robot.FAILED, "HTTP 302")
    assert [(r["method"], r["token"]) for r in server.requests] == [("POST", "t1")]
    assert server.received == []


def test_a_closed_connection_is_a_request_error(server):
    server.script("t1", ("close",))
    with pytest.raises(requests.ConnectionError):
        post(server.url(WECOM, "t1"), robot.bodies(WECOM, "T", EN)[0])
    assert server.received == [] and len(server.requests) == 1


def test_a_late_answer_is_a_timeout_though_the_platform_shows_it(server):
    server.script("t1", ("hang", 5))
    with pytest.raises(requests.Timeout):
        post(server.url(DINGTALK, "t1"), robot.bodies(DINGTALK, "T", ZH)[0], timeout=0.3)
    assert server.received == []
    assert [message["text"] for message in server.late] == [f"### T\n{ZH}"]


def test_a_large_answer_is_read_up_to_the_limit(server):
    server.script("t1", ("big",))
    status, content = post(server.url(FEISHU, "t1"), robot.bodies(FEISHU, "T", EN)[0])
    assert status == 200 and len(content) == robot.RESPONSE_LIMIT
    assert content.startswith(b'{"code": 0, "msg": "success"')
    assert len(server.received) == 1


def test_backoff_grows_and_caps():
    waits = [robot.backoff(attempts) for attempts in range(1, robot.MAX_ATTEMPTS + 1)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert robot.backoff(0) == 60 and robot.backoff(100) == robot.BACKOFF_MAX


# ------------------------------------------------------------------------------------------
# Errors shown and logged
# ------------------------------------------------------------------------------------------

TOKEN = "9f8e7d6c-5b4a-4321-9876-0fedcba98765"


@pytest.fixture
def closed_port():
    """A local port nothing listens on (held, so no one else takes it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.mark.parametrize(
    "kind, path",
    [
        (WECOM, f"/cgi-bin/webhook/send?key={TOKEN}"),
        (DINGTALK, f"/robot/send?access_token={TOKEN}"),
        (FEISHU, f"/open-apis/bot/v2/hook/{TOKEN}"),
    ],
)
def test_scrub_removes_the_url_token_and_secret(closed_port, kind, path):
    url = f"http://127.0.0.1:{closed_port}{path}"
    signed_url, body = robot.signed(kind, url, robot.bodies(kind, "T", EN)[0], SECRET, NOW)
    with pytest.raises(requests.ConnectionError) as raised:
        post(signed_url, body)
    text = f"{raised.value} (secret {SECRET})"
    assert TOKEN in text, "the error names the URL"
    scrubbed = robot.scrub(text, robot.url_secrets(url, SECRET))
    for secret in (TOKEN, SECRET, url, signed_url, "1767225600000"):
        assert secret not in scrubbed
    if kind == DINGTALK:
        assert robot.dingtalk_sign(SECRET, 1767225600000) not in unquote_plus(scrubbed)
    assert f"host='127.0.0.1', port={closed_port}" in scrubbed, "what went wrong stays"


def test_scrub_of_tokens_written_otherwise():
    text = "url: /open-apis/bot/v2/hook/a%20b?x=1 and /send?key=k1&access_token=k2&other=3"
    scrubbed = robot.scrub(text, [])
    assert (
        scrubbed == "url: /open-apis/bot/v2/hook/***?x=1 and /send?key=***&access_token=***&other=3"
    )
    assert robot.scrub(None, ["abc"]) == ""
    assert robot.scrub("short key abc", ["abc", "", None]) == "short key abc"


# ------------------------------------------------------------------------------------------
# Mobile numbers
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone, mobile",
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("86 13800138000", "13800138000"),
        ("0086 138 0013 8000", "13800138000"),
        ("(+86) 138 0013 8000", "13800138000"),
        ("+1 (415) 555-2671", "14155552671"),
        ("+852 9123 4567", "85291234567"),
        ("12345", ""),
        ("1234567890123456", ""),
        ("n/a", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_mobile_number(phone, mobile):
    assert robot.mobile_number(phone) == mobile


# ------------------------------------------------------------------------------------------
# The stand-in refuses what the platforms refuse
# ------------------------------------------------------------------------------------------


def _raw(server, kind, data, content_type="application/json"):
    with requests.post(
        server.url(kind, "t1"),
        data=data,
        headers={"Content-Type": content_type},
        timeout=robot.TIMEOUT,
        allow_redirects=False,
    ) as response:
        return robot.outcome(kind, response.status_code, response.content)


def _wecom(msgtype, content):
    return robot.encode({"msgtype": msgtype, msgtype: {"content": content}})


def _feishu(**card):
    return robot.encode({"msg_type": "interactive", "card": card})


def _dingtalk(title, text):
    return robot.encode({"msgtype": "markdown", "markdown": {"title": title, "text": text}})


@pytest.mark.parametrize(
    "kind, data, content_type, code",
    [
        (WECOM, _wecom("markdown", "跟" * 1365 + "ab"), "application/json", 40058),
        (WECOM, _wecom("text", "跟" * 682 + "abc"), "application/json", 40058),
        (WECOM, _wecom("markdown", " \n"), "application/json", 44004),
        (WECOM, _wecom("news", "x"), "application/json", 40008),
        (WECOM, _wecom("markdown", "跟进\ufffd"), "application/json", 40008),
        (
            WECOM,
            _wecom("markdown", "跟进")[:-6] + "进".encode()[:2] + b'"}}',
            "application/json",
            40008,
        ),
        (WECOM, _wecom("markdown", "跟进"), "text/plain", 40008),
        (WECOM, _wecom("markdown", "跟进"), "application/json; charset=gbk", 40008),
        (WECOM, _wecom("markdown", "跟进").decode().encode("gbk"), "application/json", 40008),
        (
            WECOM,
            b'{"msgtype":"markdown","markdown":{"content":"\\ud83d"}}',
            "application/json",
            40008,
        ),
        (DINGTALK, _dingtalk("T", "跟" * 6660), "application/json", 300001),
        (DINGTALK, _dingtalk("", "跟进"), "application/json", 300001),
        (DINGTALK, b"not json", "application/json", 300001),
        (
            FEISHU,
            _feishu(elements=[{"tag": "markdown", "content": "跟" * 6830}]),
            "application/json",
            9499,
        ),
        (FEISHU, _feishu(header={"title": {"content": "T"}}), "application/json", 9499),
        (
            FEISHU,
            robot.encode({"msg_type": "text", "content": {"text": "x"}}),
            "application/json",
            9499,
        ),
    ],
    ids=[
        "wecom markdown too long",
        "wecom text too long",
        "wecom empty",
        "wecom news",
        "wecom U+FFFD",
        "wecom cut character",
        "wecom text/plain",
        "wecom charset gbk",
        "wecom gbk bytes",
        "wecom lone surrogate",
        "dingtalk body too long",
        "dingtalk no title",
        "dingtalk no json",
        "feishu body too long",
        "feishu no elements",
        "feishu text message",
    ],
)
def test_the_stand_in_refuses_what_the_platform_refuses(server, kind, data, content_type, code):
    verdict, error = _raw(server, kind, data, content_type)
    assert verdict == robot.FAILED and error.startswith(f"{code} ")
    assert server.received == []
    assert [entry["code"] for entry in server.rejected] == [code]


def test_the_stand_in_takes_the_largest_messages(server):
    assert _raw(server, WECOM, _wecom("markdown", "跟" * 1365 + "a")) == (robot.SENT, "")
    assert _raw(server, WECOM, _wecom("text", "跟" * 682 + "ab")) == (robot.SENT, "")
    assert _raw(server, DINGTALK, _dingtalk("T", "跟" * 6640)) == (robot.SENT, "")
    assert server.rejected == [] and len(server.received) == 3


def test_the_stand_in_knows_only_the_robots_paths(server):
    answer = requests.get(server.url(WECOM, "t1"), timeout=robot.TIMEOUT)
    assert answer.status_code == 405
    answer = requests.post(f"http://{server.host}/other", data=b"{}", timeout=robot.TIMEOUT)
    assert answer.status_code == 404
    assert server.received == [] and len(server.rejected) == 2
    with pytest.raises(ValueError):
        server.script("t1", ("teapot",))
