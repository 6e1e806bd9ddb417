"""The error-code registry is complete and honest: every code the code can produce is registered (with what it
means), every registered code is produced somewhere, and the OpenAPI document lists them all."""

from modules.core.public import ERROR_CODES
from selflink.api import api
from tests.api.error_code_scan import used_codes


def test_every_code_the_code_produces_is_registered():
    unregistered = {code: where for code, where in used_codes().items() if code not in ERROR_CODES}
    assert unregistered == {}, "register these in the module's errors.py"


def test_every_registered_code_is_produced_somewhere():
    assert sorted(set(ERROR_CODES) - set(used_codes())) == []


def test_the_openapi_document_lists_every_code_and_errors_reference_it():
    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert schemas["ErrorCode"]["enum"] == sorted(ERROR_CODES)
    for code, meaning in ERROR_CODES.items():
        assert f"* `{code}`: {meaning}" in schemas["ErrorCode"]["description"]
    for name in ("ErrorOut", "ValidationErrorOut", "ErrorFrame"):
        assert schemas[name]["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCode"}


def test_the_scan_sees_each_way_a_code_is_written():
    import ast

    from tests.api.error_code_scan import codes_in

    source = """
raise NotFound("No.", code="kw_code")
raise ProviderError("positional_code", "A sentence.")
raise AssertionError("not_a_code")
frame = {"type": "error", "code": "dict_code"}
class E(ApiError):
    code = "class_code"
task.error_code = error.code if error else "fallback_code"
_CODES = {400: "table_code"}
"""
    assert {code for code, _ in codes_in(ast.parse(source))} == {
        "kw_code",
        "positional_code",
        "dict_code",
        "class_code",
        "fallback_code",
        "table_code",
    }
