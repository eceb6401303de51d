"""The team chat robots' platforms, without the ORM: where a webhook may point, the body of a
message for each platform (WeCom, DingTalk, Feishu group robots), its signature, how a long text
is split to the platform's size, what an answer means, and how long to wait before trying again.

The texts given here are written in the small Markdown the three platforms share: ``**bold**``,
``[text](url)``, ``> quote`` and one item per line."""

import base64
import hashlib
import hmac
import json
import re
import unicodedata
from urllib.parse import quote_plus, urlsplit

WECOM, DINGTALK, FEISHU = "wecom", "dingtalk", "feishu"
KINDS = (WECOM, DINGTALK, FEISHU)
# The platforms' own API hosts: a webhook of that kind may point there (HTTPS, default port).
OFFICIAL_HOSTS = {
    WECOM: ("qyapi.weixin.qq.com",),
    DINGTALK: ("oapi.dingtalk.com", "api.dingtalk.com"),
    FEISHU: ("open.feishu.cn", "open.larksuite.com"),
}
# (seconds, messages) a robot may send in any such window.
RATE_LIMITS = {
    WECOM: ((60, 20),),
    DINGTALK: ((60, 20),),
    FEISHU: ((60, 100), (1, 5)),
}
# What one message may hold, in UTF-8 bytes: the Markdown content for WeCom (4,096; 2,048 for a
# text message, which mentions by mobile number), the whole request body for DingTalk and
# Feishu (20 KB).
CONTENT_LIMITS = {WECOM: 4096, DINGTALK: 20000, FEISHU: 20 * 1024}
WECOM_TEXT_LIMIT = 2048
BODY_LIMITS = {DINGTALK: 20000, FEISHU: 20 * 1024}
# A message's title, in UTF-8 bytes (it heads each part, which must leave room for the text).
TITLE_LIMIT = 256
# The platforms' answers that say "too many messages, later" (not a fault of the message).
RATE_LIMIT_CODES = {WECOM: {45009}, DINGTALK: {130101, 410100}, FEISHU: {11232}}
TIMEOUT = 10
RESPONSE_LIMIT = 64 * 1024
MAX_ATTEMPTS = 8
BACKOFF_FIRST = 60
BACKOFF_MAX = 3600

SENT, RETRY, FAILED = "sent", "retry", "failed"


# ------------------------------------------------------------------------------------------
# Where a webhook may point
# ------------------------------------------------------------------------------------------


def parse_allowed_hosts(text):
    """The ``host[:port]`` entries of a comma-separated list, lowercase."""
    return {entry.strip().lower() for entry in (text or "").split(",") if entry.strip()}


def url_host(url):
    """The host of ``url`` as it is shown in messages (with its port when it has one), or the
    text itself when it is no URL."""
    try:
        parts = urlsplit(url or "")
        host = (parts.hostname or "").lower()
        return f"{host}:{parts.port}" if host and parts.port else host
    except ValueError:
        return ""


def url_problem(url, kind, allowed_hosts):
    """None when a robot of ``kind`` may post to ``url``, else why not (a short key):
    "not_url", "scheme", "host". The platform's official hosts over HTTPS on the default port,
    or a host an administrator listed (``host`` for any port, ``host:port`` for that one; HTTP
    allowed there only). A URL with spaces or control characters inside is none: ``urlsplit``
    drops tabs and line breaks, which an HTTP client may read otherwise."""
    url = (url or "").strip()
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in url):
        return "not_url"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return "not_url"
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return "not_url"
    default_port = {"http": 80, "https": 443}[parts.scheme]
    listed = host in allowed_hosts or f"{host}:{port or default_port}" in allowed_hosts
    if listed:
        return None
    if host in OFFICIAL_HOSTS.get(kind, ()) and port in (None, 443):
        return None if parts.scheme == "https" else "scheme"
    return "host"


# ------------------------------------------------------------------------------------------
# Splitting
# ------------------------------------------------------------------------------------------


def _characters(line):
    """``line`` in the characters a reader sees: a letter with its combining marks, an emoji
    with its skin tone, variation selector, tags and zero-width-joined parts, a flag's two
    regional letters (a cut there shows two broken halves)."""
    cluster, regional = [], 0
    for char in line:
        code = ord(char)
        is_regional = 0x1F1E6 <= code <= 0x1F1FF
        if cluster and (
            cluster[-1] == "\u200d"
            or char == "\u200d"
            or unicodedata.category(char) in ("Mn", "Mc", "Me")
            or 0xFE00 <= code <= 0xFE0F
            or 0x1F3FB <= code <= 0x1F3FF
            or 0xE0020 <= code <= 0xE007F
            or (is_regional and regional % 2 == 1)
        ):
            cluster.append(char)
        else:
            if cluster:
                yield "".join(cluster)
            cluster, regional = [char], 0
        regional = regional + 1 if is_regional else 0
    if cluster:
        yield "".join(cluster)


def _cut_line(line, limit):
    """A line longer than ``limit`` bytes, in pieces of at most that many, between characters
    (between code points only inside a character longer than that alone)."""
    pieces, piece, size = [], [], 0
    for whole in _characters(line):
        for char in [whole] if len(whole.encode("utf-8")) <= limit else whole:
            width = len(char.encode("utf-8"))
            if size + width > limit and piece:
                pieces.append("".join(piece))
                piece, size = [], 0
            piece.append(char)
            size += width
    if piece:
        pieces.append("".join(piece))
    return pieces


def split_text(text, limit):
    """``text`` in parts of at most ``limit`` UTF-8 bytes, cut between lines (a line longer
    than that alone between characters, never inside one)."""
    parts, current, size = [], [], 0
    for line in text.split("\n"):
        for piece in _cut_line(line, limit) if len(line.encode("utf-8")) > limit else [line]:
            width = len(piece.encode("utf-8")) + (1 if current else 0)
            if current and size + width > limit:
                parts.append("\n".join(current))
                current, size = [], 0
                width = len(piece.encode("utf-8"))
            current.append(piece)
            size += width
    if current:
        parts.append("\n".join(current))
    return [part for part in parts if part.strip()] or [""]


# ------------------------------------------------------------------------------------------
# Bodies
# ------------------------------------------------------------------------------------------


def encode(body):
    """The bytes sent for ``body``."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _body(kind, title, text, mobiles=(), feishu_ids=(), wecom_text=False):
    if kind == WECOM:
        if wecom_text:
            message = {"content": text}
            if mobiles:
                message["mentioned_mobile_list"] = list(mobiles)
            return {"msgtype": "text", "text": message}
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if kind == DINGTALK:
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        if mobiles:
            body["at"] = {"atMobiles": list(mobiles), "isAtAll": False}
        return body
    content = text
    if feishu_ids:
        content += "\n" + " ".join(f"<at id={uid}></at>" for uid in feishu_ids)
    return {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": title}, "template": "blue"},
            "elements": [{"tag": "markdown", "content": content}],
        },
    }


def _heading(kind, title, wecom_text):
    """The line that heads a part's text: Feishu's card has a header instead, WeCom's text
    messages show Markdown as typed."""
    if kind == FEISHU:
        return ""
    return f"{title}\n" if wecom_text else f"### {title}\n"


def _shorten(text, limit):
    """``text`` on one line, cut to at most ``limit`` UTF-8 bytes between characters, "…"
    where cut."""
    text = re.sub(r"\s*[\r\n]+\s*", " ", str(text or "")).strip()
    if len(text.encode("utf-8")) <= limit:
        return text
    return _cut_line(text, limit - len("…".encode()))[0] + "…"


def plain(text):
    """The Markdown of ``text`` as plain text (WeCom's text messages): links as "text url"."""
    text = re.sub(r"\[([^\]]*)\]\(([^)\s]*)\)", r"\1 \2", text)
    return text.replace("**", "")


def bodies(kind, title, text, mobiles=(), feishu_ids=()):
    """The bodies (unsigned) of a message titled ``title`` saying ``text`` (Markdown) on
    ``kind``'s platform, as many as its size needs: each part after the first is titled
    "(2/3)" and so on. ``mobiles``: the people mentioned by mobile number (WeCom, DingTalk);
    ``feishu_ids``: by their Feishu ids."""
    mobiles = [str(mobile) for mobile in mobiles if mobile]
    feishu_ids = [str(uid) for uid in feishu_ids if uid]
    title = _shorten(title, TITLE_LIMIT)
    # WeCom mentions by mobile number in text messages only: then every part is one, headed
    # by the plain title (a text message shows Markdown as typed).
    wecom_text = bool(kind == WECOM and mobiles)
    if wecom_text:
        text, limit = plain(text), WECOM_TEXT_LIMIT
    elif kind == WECOM:
        limit = CONTENT_LIMITS[WECOM]
    else:
        limit = CONTENT_LIMITS[kind]
    if kind == DINGTALK and mobiles:
        # DingTalk shows the mention where the text names the mobile number.
        text = text + "\n\n" + " ".join(f"@{mobile}" for mobile in mobiles)
    heading = _heading(kind, title, wecom_text)
    while True:
        parts = split_text(text, max(limit - len(heading.encode("utf-8")) - 64, 256))
        result = []
        for index, part in enumerate(parts):
            part_title = title if len(parts) == 1 else f"{title} ({index + 1}/{len(parts)})"
            part_heading = _heading(kind, part_title, wecom_text)
            last = index == len(parts) - 1
            result.append(
                _body(
                    kind,
                    part_title,
                    part_heading + part,
                    mobiles if last else (),
                    feishu_ids if last else (),
                    wecom_text,
                )
            )
        too_big = kind in BODY_LIMITS and any(
            len(encode(body)) > BODY_LIMITS[kind] - 512 for body in result
        )
        if not too_big or limit <= 1024:
            return result
        limit = int(limit * 0.8)


# ------------------------------------------------------------------------------------------
# Signatures
# ------------------------------------------------------------------------------------------


def dingtalk_sign(secret, timestamp_ms):
    """DingTalk's signature: base64 HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret, timestamp_s):
    """Feishu's signature: base64 HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed(kind, url, body, secret, now):
    """(url, body) to send at ``now`` (a POSIX time): with the signature when the robot has a
    secret (DingTalk in the query string, Feishu in the body; WeCom's key is in its URL)."""
    if not secret or kind == WECOM:
        return url, body
    if kind == DINGTALK:
        timestamp = int(now * 1000)
        sign = quote_plus(dingtalk_sign(secret, timestamp))
        glue = "&" if "?" in url else "?"
        return f"{url}{glue}timestamp={timestamp}&sign={sign}", body
    timestamp = int(now)
    return url, {**body, "timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp)}


# ------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------


def outcome(kind, status, content):
    """(SENT | RETRY | FAILED, the platform's error or "") for an HTTP answer: 429, 5xx and the
    platform's rate-limit codes are tried again; any other error code fails the message (a
    wrong key or signature, a message refused: sending it again changes nothing)."""
    text = (content or b"")[:RESPONSE_LIMIT].decode("utf-8", "replace")
    if status == 429 or status >= 500:
        return RETRY, f"HTTP {status} {text[:300]}".strip()
    try:
        answer = json.loads(text) if text.strip() else {}
    except ValueError:
        # Longer than what is read, or not JSON: the platform's code is near its start.
        found = re.search(r'"(?:errcode|code|StatusCode)"\s*:\s*(-?\d+)', text)
        answer = {"errcode": int(found.group(1))} if found else None
    if not isinstance(answer, dict):
        if 200 <= status < 300:
            return FAILED, f"HTTP {status}: {text[:300]}"
        return FAILED, f"HTTP {status} {text[:300]}".strip()
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
    try:
        code = int(code or 0)
    except (TypeError, ValueError):
        code = -1
    if code == 0 and 200 <= status < 300:
        return SENT, ""
    error = f"{code} {message}".strip() if code else f"HTTP {status} {message}".strip()
    if code in RATE_LIMIT_CODES.get(kind, ()):
        return RETRY, error
    return FAILED, error


def backoff(attempts):
    """Seconds to wait after the ``attempts``-th failed try: 1, 2, 4 ... minutes, at most an
    hour."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def scrub(text, secrets):
    """``text`` without any of ``secrets`` (a webhook URL, its path and query, a signing
    secret) nor a URL's query: an error may be shown and logged."""
    text = str(text or "")
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = re.sub(r"([?&](?:key|access_token|sign|timestamp)=)[^&\s'\"]+", r"\1***", text)
    # Feishu's token is the last part of the path (requests may show it quoted otherwise).
    return re.sub(r"(/bot/v2/hook/)[^\s'\"?#&)]+", r"\1***", text)


def url_secrets(url, secret):
    """The parts of a robot's URL and secret that must never be shown: the whole URL, its path
    and its query (WeCom's and DingTalk's token is in the query, Feishu's in the path)."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return [url, secret]
    return [url, parts.path if len(parts.path or "") > 8 else "", parts.query, secret]


def mobile_number(phone):
    """The mobile number a platform knows a person by: digits only, without China's +86 (or
    0086, its international prefix dialled from China)."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0086") and len(digits) == 15:
        digits = digits[2:]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if 6 <= len(digits) <= 15 else ""
