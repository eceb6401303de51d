"""A stand-in for the group robots of WeCom, DingTalk and Feishu, served over real HTTP on
127.0.0.1: it checks every request by the platform's own rules (address, body format and size,
UTF-8, signature, rate) and answers the way the platform does, or the way a test scripted.

It knows the platforms from their documentation, not from the addon's code, so that a request
the addon builds wrongly is refused here as it would be there::

    with RobotServer() as server:
        server.set_secret("t1", "SEC...")
        url = server.url("dingtalk", "t1")           # the robot's webhook URL
        server.script("t1", ("status", 502))         # the next request to t1 gets a 502
        ...
        server.received        # the messages the platform accepted, in order
        server.rejected        # the requests it refused, with the reason

``server.clock`` (a function giving a POSIX time) is the platform's clock, for the signature's
timestamp and the rate limits; by default it reads ``time.time()`` at each call, so it follows
a frozen time. A test may replace it to move time without waiting."""

import base64
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import traceback
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

WECOM, DINGTALK, FEISHU = "wecom", "dingtalk", "feishu"
KINDS = (WECOM, DINGTALK, FEISHU)

WECOM_PATH = "/cgi-bin/webhook/send"
DINGTALK_PATH = "/robot/send"
FEISHU_PREFIX = "/open-apis/bot/v2/hook/"

# The platforms' documented limits, in UTF-8 bytes.
WECOM_MARKDOWN_LIMIT = 4096  # markdown.content
WECOM_TEXT_LIMIT = 2048  # text.content
DINGTALK_BODY_LIMIT = 20000  # the whole request body
FEISHU_BODY_LIMIT = 20 * 1024  # the whole request body
# A signature's timestamp may be this far from the platform's clock (seconds, either way).
SIGN_WINDOW = 3600
# (seconds, messages) one robot may send in any such window.
RATES = {WECOM: ((60, 20),), DINGTALK: ((60, 20),), FEISHU: ((60, 100), (1, 5))}
# What the stand-in reads of a request at most; more is answered 413.
REQUEST_LIMIT = 1024 * 1024
# The padding of a ("big",) answer.
BIG_PADDING = 200 * 1024

# The platforms' answers.
SUCCESS = {
    WECOM: {"errcode": 0, "errmsg": "ok"},
    DINGTALK: {"errcode": 0, "errmsg": "ok"},
    FEISHU: {"code": 0, "msg": "success", "data": {}},
}
RATE_ERRORS = {
    WECOM: (45009, "api freq out of limit"),
    DINGTALK: (130101, "send too fast, exceed 20 times per minute"),
    FEISHU: (11232, "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"),
}
SIGN_ERRORS = {
    DINGTALK: (310000, "sign not match"),
    FEISHU: (19021, "sign match fail or timestamp is not within one hour from current time"),
}
FORMAT_ERRORS = {
    WECOM: (40008, "invalid message type"),
    DINGTALK: (300001, "param error"),
    FEISHU: (9499, "Bad Request"),
}
TOKEN_ERRORS = {
    WECOM: (93000, "invalid webhook url"),
    DINGTALK: (300001, "token is not exist"),
    FEISHU: (19001, "param invalid: incoming webhook access token invalid"),
}
# The messages of the codes a test may script with ("code", N).
MESSAGES = {
    code: message
    for table in (RATE_ERRORS, SIGN_ERRORS, FORMAT_ERRORS, TOKEN_ERRORS)
    for code, message in table.values()
}
MESSAGES.update(
    {
        410100: "send too fast",
        44004: "empty content",
        40058: "invalid parameter",
        19024: "Key Words Not Found",
    }
)
SCRIPTS = {"status": 1, "code": 1, "close": 0, "hang": 1, "redirect": 1, "big": 0}
_AT_FEISHU = re.compile(r"<at (?:id|user_id|open_id|email)=\"?([^\">\s]+)\"?>")


def _now():
    return time.time()


def _size(text):
    return len(text.encode("utf-8", "surrogatepass"))


def _strings(value):
    """Every string of a parsed JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _is_string_list(value):
    return isinstance(value, list) and all(isinstance(item, str) and item for item in value)


class Refused(Exception):
    """A request the platform refuses: ``reason`` for the test, ``code`` for the answer."""

    def __init__(self, reason, error):
        super().__init__(reason)
        self.reason = reason
        self.code, self.message = error


# ------------------------------------------------------------------------------------------
# The platforms' rules
# ------------------------------------------------------------------------------------------


def _check_wecom(body):
    extra = set(body) - {"msgtype", "markdown", "text"}
    if extra:
        raise Refused(f"unknown keys {sorted(extra)}", FORMAT_ERRORS[WECOM])
    msgtype = body.get("msgtype")
    if msgtype not in ("markdown", "text") or set(body) != {"msgtype", msgtype}:
        raise Refused(f"msgtype {msgtype!r} with keys {sorted(body)}", FORMAT_ERRORS[WECOM])
    message = body[msgtype]
    if not isinstance(message, dict):
        raise Refused(f"{msgtype} is no object", FORMAT_ERRORS[WECOM])
    allowed = (
        {"content", "mentioned_mobile_list", "mentioned_list"} if msgtype == "text" else {"content"}
    )
    if set(message) - allowed:
        raise Refused(f"{msgtype} has keys {sorted(message)}", FORMAT_ERRORS[WECOM])
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        raise Refused(f"{msgtype}.content empty", (44004, MESSAGES[44004]))
    limit = WECOM_MARKDOWN_LIMIT if msgtype == "markdown" else WECOM_TEXT_LIMIT
    if _size(content) > limit:
        raise Refused(
            f"{msgtype}.content is {_size(content)} bytes, more than {limit}",
            (40058, f"{msgtype}.content exceed max length {limit}"),
        )
    mobiles = message.get("mentioned_mobile_list", [])
    if not _is_string_list(mobiles) or not _is_string_list(message.get("mentioned_list", [])):
        raise Refused("mentioned_mobile_list is no list of strings", FORMAT_ERRORS[WECOM])
    return {"text": content, "title": "", "mobiles": list(mobiles), "at_ids": []}


def _check_dingtalk(body, raw):
    if len(raw) > DINGTALK_BODY_LIMIT:
        raise Refused(
            f"body is {len(raw)} bytes, more than {DINGTALK_BODY_LIMIT}",
            FORMAT_ERRORS[DINGTALK],
        )
    if set(body) - {"msgtype", "markdown", "at"}:
        raise Refused(f"unknown keys {sorted(body)}", FORMAT_ERRORS[DINGTALK])
    if body.get("msgtype") != "markdown" or not isinstance(body.get("markdown"), dict):
        raise Refused(f"msgtype {body.get('msgtype')!r}", FORMAT_ERRORS[DINGTALK])
    markdown = body["markdown"]
    if set(markdown) != {"title", "text"}:
        raise Refused(f"markdown has keys {sorted(markdown)}", FORMAT_ERRORS[DINGTALK])
    for key in ("title", "text"):
        if not isinstance(markdown[key], str) or not markdown[key].strip():
            raise Refused(f"markdown.{key} empty", FORMAT_ERRORS[DINGTALK])
    at = body.get("at", {})
    if not isinstance(at, dict) or set(at) - {"atMobiles", "atUserIds", "isAtAll"}:
        raise Refused(f"at is {at!r}", FORMAT_ERRORS[DINGTALK])
    mobiles = at.get("atMobiles", [])
    if not _is_string_list(mobiles) or not _is_string_list(at.get("atUserIds", [])):
        raise Refused("at.atMobiles is no list of strings", FORMAT_ERRORS[DINGTALK])
    if not isinstance(at.get("isAtAll", False), bool):
        raise Refused("at.isAtAll is no boolean", FORMAT_ERRORS[DINGTALK])
    return {
        "text": markdown["text"],
        "title": markdown["title"],
        "mobiles": list(mobiles),
        "at_ids": [],
    }


def _check_feishu(body, raw):
    if len(raw) > FEISHU_BODY_LIMIT:
        raise Refused(
            f"body is {len(raw)} bytes, more than {FEISHU_BODY_LIMIT}", FORMAT_ERRORS[FEISHU]
        )
    if set(body) - {"msg_type", "card", "timestamp", "sign"}:
        raise Refused(f"unknown keys {sorted(body)}", FORMAT_ERRORS[FEISHU])
    card = body.get("card")
    if body.get("msg_type") != "interactive" or not isinstance(card, dict):
        raise Refused(f"msg_type {body.get('msg_type')!r}", FORMAT_ERRORS[FEISHU])
    elements = card.get("elements")
    if not isinstance(elements, list) or not elements:
        raise Refused("card.elements is no list", FORMAT_ERRORS[FEISHU])
    texts = []
    for element in elements:
        if not isinstance(element, dict) or not isinstance(element.get("tag"), str):
            raise Refused(f"card element {element!r}", FORMAT_ERRORS[FEISHU])
        content = element.get("content")
        if content is None and isinstance(element.get("text"), dict):
            content = element["text"].get("content")
        if content is not None and not isinstance(content, str):
            raise Refused(f"card element content {content!r}", FORMAT_ERRORS[FEISHU])
        if content:
            texts.append(content)
    title = ""
    header = card.get("header")
    if header is not None:
        title = header.get("title") if isinstance(header, dict) else None
        title = title.get("content") if isinstance(title, dict) else None
        if not isinstance(title, str):
            raise Refused(f"card header {header!r}", FORMAT_ERRORS[FEISHU])
    text = "\n".join(texts)
    if not text.strip() and not title.strip():
        raise Refused("card says nothing", FORMAT_ERRORS[FEISHU])
    return {"text": text, "title": title, "mobiles": [], "at_ids": _AT_FEISHU.findall(text)}


def _check_sign(kind, secret, query, body, now):
    """Refused unless the request carries the signature of ``secret`` made within the hour."""
    error = SIGN_ERRORS[kind]
    if kind == DINGTALK:
        timestamps, signs = query.get("timestamp", []), query.get("sign", [])
        if len(timestamps) != 1 or len(signs) != 1:
            raise Refused("no timestamp and sign in the query", error)
        timestamp, sign, unit = timestamps[0], signs[0], 1000
        message = f"{timestamp}\n{secret}".encode()
        digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    else:
        timestamp, sign, unit = body.get("timestamp"), body.get("sign"), 1
        if not isinstance(timestamp, str) or not isinstance(sign, str):
            raise Refused("no timestamp and sign (strings) in the body", error)
        digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    if not re.fullmatch(r"[0-9]{1,16}", timestamp):
        raise Refused(f"timestamp {timestamp!r}", error)
    if abs(int(timestamp) / unit - now) > SIGN_WINDOW:
        raise Refused(f"timestamp {timestamp} is more than an hour from {now:.0f}", error)
    if not hmac.compare_digest(sign.encode(), base64.b64encode(digest)):
        raise Refused(f"sign {sign!r} does not match", error)


def check(kind, token, query, headers, raw, secret, now):
    """What the platform of ``kind`` makes of a request: the message it shows (a dict with
    "text", "title", "mobiles", "at_ids", "body"), or ``Refused``."""
    if not token:
        raise Refused("no token", TOKEN_ERRORS[kind])
    content_type = (headers.get("Content-Type") or "").split(";")
    charset = [p.strip().lower() for p in content_type[1:] if p.strip().startswith("charset")]
    if content_type[0].strip().lower() != "application/json" or charset not in (
        [],
        ["charset=utf-8"],
    ):
        raise Refused(f"Content-Type {headers.get('Content-Type')!r}", FORMAT_ERRORS[kind])
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise Refused(f"body is no UTF-8: {exc}", FORMAT_ERRORS[kind]) from None
    except ValueError as exc:
        raise Refused(f"body is no JSON: {exc}", FORMAT_ERRORS[kind]) from None
    if not isinstance(body, dict):
        raise Refused("body is no JSON object", FORMAT_ERRORS[kind])
    for string in _strings(body):
        if "\ufffd" in string:
            raise Refused("U+FFFD in the body (a character cut)", FORMAT_ERRORS[kind])
        if re.search("[\ud800-\udfff]", string):
            raise Refused("a lone surrogate in the body (a character cut)", FORMAT_ERRORS[kind])
    if secret and kind != WECOM:
        _check_sign(kind, secret, query, body, now)
    if kind == WECOM:
        message = _check_wecom(body)
    elif kind == DINGTALK:
        message = _check_dingtalk(body, raw)
    else:
        message = _check_feishu(body, raw)
    return {**message, "body": body, "signed": bool(secret and kind != WECOM)}


def route(path):
    """(kind, token) of a request path with its query, or (None, "") for no robot's path."""
    parts = urlsplit(path)
    query = parse_qs(parts.query, keep_blank_values=True)
    if parts.path == WECOM_PATH:
        return WECOM, (query.get("key") or [""])[0], query
    if parts.path == DINGTALK_PATH:
        return DINGTALK, (query.get("access_token") or [""])[0], query
    if parts.path.startswith(FEISHU_PREFIX):
        token = unquote(parts.path[len(FEISHU_PREFIX) :])
        return FEISHU, "" if "/" in token else token, query
    return None, "", query


def error_body(kind, code, message):
    if kind == FEISHU:
        return {"code": code, "msg": message, "data": {}}
    return {"errcode": code, "errmsg": message}


# ------------------------------------------------------------------------------------------
# The server
# ------------------------------------------------------------------------------------------


class _Answer:
    """What the handler does: send ``status`` with ``body`` (bytes), or close the connection."""

    def __init__(self, status=200, body=b"", headers=(), close=False):
        self.status, self.body, self.headers, self.close = status, body, list(headers), close

    @classmethod
    def json(cls, value, status=200):
        data = json.dumps(value, ensure_ascii=False).encode("utf-8")
        return cls(status, data, [("Content-Type", "application/json; charset=utf-8")])


class _Handler(BaseHTTPRequestHandler):
    server_version = "RobotServer/1.0"

    def log_message(self, format, *args):
        """Quiet: the tests read ``received``, ``rejected`` and ``requests`` instead."""

    def _serve(self):
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or (length is not None and not length.isdigit()):
            self._send(_Answer(411, b"Length Required"))
            return
        length = int(length or 0)
        if length > REQUEST_LIMIT:
            self._send(_Answer(413, b"Request Entity Too Large"))
            return
        raw = self.rfile.read(length) if length else b""
        answer = self.server.robot._answer(self.command, self.path, self.headers, raw)
        if answer.close:
            self.close_connection = True
            return
        self._send(answer)

    def _send(self, answer):
        try:
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            # The client went away (it timed out on a hanging answer): nothing to tell it.
            self.close_connection = True

    do_POST = do_GET = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A fault of the stand-in itself is kept for the test to see (``errors``); a client
        that went away is none."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            self.robot._fault()


class RobotServer:
    """The three platforms' robot webhooks on one local port. See the module's docstring."""

    def __init__(self):
        self.clock = _now
        self.received = []
        self.rejected = []
        self.late = []
        self.limited = []
        self.scripted = []
        self.requests = []
        self.errors = []
        self._secrets = {}
        self._scripts = defaultdict(deque)
        self._sent = defaultdict(list)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = None
        self._thread = None

    # -- life ---------------------------------------------------------------------------

    def start(self):
        """Serve on an ephemeral port of 127.0.0.1, in a daemon thread. Returns the server."""
        if self._httpd is None:
            self._stopping.clear()
            self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
            self._httpd.robot = self
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.01},
                name="robot-server",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self):
        """Stop serving (a hanging answer is dropped) and free the port."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)
        self._httpd = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def host(self):
        """The address of the stand-in as an administrator lists an allowed webhook host:
        "127.0.0.1:PORT"."""
        return f"127.0.0.1:{self.port}"

    # -- set-up -------------------------------------------------------------------------

    def url(self, kind, token):
        """The webhook URL of the robot ``token`` of ``kind``'s platform."""
        base = f"http://{self.host}"
        if kind == WECOM:
            return f"{base}{WECOM_PATH}?{urlencode({'key': token})}"
        if kind == DINGTALK:
            return f"{base}{DINGTALK_PATH}?{urlencode({'access_token': token})}"
        if kind == FEISHU:
            return f"{base}{FEISHU_PREFIX}{quote(token, safe='')}"
        raise ValueError(f"unknown kind {kind!r}")

    def set_secret(self, token, secret):
        """The robot ``token`` signs with ``secret`` (DingTalk, Feishu); None: it no longer does."""
        with self._lock:
            if secret:
                self._secrets[token] = secret
            else:
                self._secrets.pop(token, None)

    def script(self, token, *answers):
        """Answers for the next requests to ``token``, one per request, before the platform's
        own handling: ("status", 429), ("code", 45009), ("close",), ("hang", seconds),
        ("redirect", url), ("big",)."""
        for answer in answers:
            if not (
                isinstance(answer, tuple) and answer and SCRIPTS.get(answer[0]) == len(answer) - 1
            ):
                raise ValueError(f"unknown scripted answer {answer!r}")
        with self._lock:
            self._scripts[token].extend(answers)

    def pending(self, token):
        """How many scripted answers for ``token`` are still to come."""
        with self._lock:
            return len(self._scripts[token])

    def reset(self):
        """Forget the requests, messages, scripts and rate counts (the secrets stay)."""
        with self._lock:
            for records in (
                self.received,
                self.rejected,
                self.late,
                self.limited,
                self.scripted,
                self.requests,
                self.errors,
            ):
                records.clear()
            self._scripts.clear()
            self._sent.clear()

    # -- what the platform does -----------------------------------------------------------

    def _fault(self):
        with self._lock:
            self.errors.append(traceback.format_exc())

    def _answer(self, method, path, headers, raw):
        kind, token, query = route(path)
        with self._lock:
            now = self.clock()
            self.requests.append(
                {
                    "method": method,
                    "path": path,
                    "headers": dict(headers.items()),
                    "body": raw,
                    "kind": kind,
                    "token": token,
                    "time": now,
                }
            )
            scripted = self._scripts[token].popleft() if self._scripts.get(token) else None
            secret = self._secrets.get(token)
            if scripted:
                self.scripted.append(
                    {"kind": kind, "token": token, "answer": scripted, "time": now}
                )
        if kind is None or method != "POST":
            with self._lock:
                self.rejected.append(
                    {
                        "kind": kind,
                        "token": token,
                        "reason": f"{method} {path}",
                        "code": None,
                        "body": raw,
                        "time": now,
                    }
                )
            return _Answer(404 if kind is None else 405, b"Not Found")
        action = scripted[0] if scripted else None
        if action == "status":
            status = scripted[1]
            return _Answer(
                status,
                f"<html><body>{status}</body></html>".encode(),
                [("Content-Type", "text/html")],
            )
        if action == "code":
            code = scripted[1]
            return _Answer.json(error_body(kind, code, MESSAGES.get(code, f"error {code}")))
        if action == "close":
            return _Answer(close=True)
        if action == "redirect":
            return _Answer(302, b"", [("Location", scripted[1])])
        try:
            message = check(kind, token, query, headers, raw, secret, now)
        except Refused as refused:
            with self._lock:
                self.rejected.append(
                    {
                        "kind": kind,
                        "token": token,
                        "reason": refused.reason,
                        "code": refused.code,
                        "body": raw,
                        "time": now,
                    }
                )
            return _Answer.json(error_body(kind, refused.code, refused.message))
        record = {"kind": kind, "token": token, **message, "time": now}
        if action == "hang":
            # The platform shows the message but answers too late: the sender cannot know.
            with self._lock:
                self.late.append(record)
            if self._stopping.wait(scripted[1]):
                return _Answer(close=True)
            return _Answer.json(SUCCESS[kind])
        with self._lock:
            sent = self._sent[(kind, token)]
            for seconds, count in RATES[kind]:
                if sum(1 for moment in sent if now - moment < seconds) >= count:
                    self.limited.append(record)
                    return _Answer.json(error_body(kind, *RATE_ERRORS[kind]))
            sent.append(now)
            self.received.append(record)
        if action == "big":
            return _Answer.json({**SUCCESS[kind], "padding": "x" * BIG_PADDING})
        return _Answer.json(SUCCESS[kind])
