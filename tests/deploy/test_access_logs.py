"""nginx's logs in deploy/: the access log shows paths without query strings (they carry mentor messages, search
terms and the WebSocket's access token), and the error log of the two locations whose request line carries such a
query string keeps only critical errors (nginx quotes the whole request line in its error messages)."""

import re

from tests.deploy.test_compose import CONF, directive, location_for

LEAKY_VARIABLES = (
    "$request ",
    '$request"',
    "$request'",
    "$request_uri",
    "$args",
    "$query_string",
    "$is_args",
    "$arg_",
    "$http_referer",
    "$request_body",
)


def log_format(name: str) -> str:
    match = re.search(rf"\blog_format\s+{name}\s+((?:'[^']*'\s*)+);", CONF)
    assert match, f"no log_format {name}"
    return match[1]


def test_the_access_log_format_has_no_query_string():
    fields = log_format("selflink_paths")
    assert "$uri" in fields and "$status" in fields and "$request_method" in fields
    for variable in LEAKY_VARIABLES:
        assert variable not in fields, variable


def test_the_server_logs_with_that_format_only():
    server = CONF[CONF.index("server {") :]
    [access_log] = directive(server, "access_log")
    assert access_log.split()[-1] == "selflink_paths"


def test_no_location_logs_with_another_format():
    assert all(value.split()[-1] == "selflink_paths" for value in directive(CONF, "access_log"))


def test_request_lines_with_content_or_tokens_stay_out_of_the_error_log():
    for path in ("/api/v1/mentor/stream/", "/api/v1/events/stream/", "/ws"):
        [error_log] = directive(location_for(path).body, "error_log")
        assert error_log.split()[-1] == "crit", path
