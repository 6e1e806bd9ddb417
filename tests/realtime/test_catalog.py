"""The realtime event catalog: every event type is a typed schema in the OpenAPI document, and frames carry
the payload's fields at the top level as well as under `payload`."""

import pytest
from ninja import Schema

from modules.realtime.events import EVENT_TYPES, RealtimeEvent, flat_frame, realtime_event
from selflink.api import api


def test_every_event_type_has_a_frame_schema_in_the_union():
    schemas = api.get_openapi_schema()["components"]["schemas"]
    union = schemas["RealtimeFrame"]
    public = {event_type: model for event_type, model in EVENT_TYPES.items() if not model.event_internal}
    assert set(union["discriminator"]["mapping"]) == set(public)
    for event_type, model in public.items():
        frame = schemas[union["discriminator"]["mapping"][event_type].rsplit("/", 1)[1]]
        assert frame["properties"]["type"]["enum"] == [event_type]
        if model.event_kind != "control":
            assert frame["properties"]["payload"] == {"$ref": f"#/components/schemas/{model.__name__}"}
            required = set(model.model_json_schema().get("required", []))
            assert required <= set(frame["required"]), event_type  # the top-level copies are typed too
        if model.event_kind == "stored":
            assert {"id", "created_at"} <= set(frame["required"])


def test_internal_events_are_registered_but_never_offered_to_clients():
    # session:revoked is published and read like any stored event, but the hub acts on it and never sends it.
    assert EVENT_TYPES["session:revoked"].event_kind == "stored"
    assert EVENT_TYPES["session:revoked"].event_internal
    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert "session:revoked" not in schemas["RealtimeFrame"]["discriminator"]["mapping"]
    assert "SessionRevokedEvent" not in schemas and "SessionRevokedFrame" not in schemas


def test_the_events_the_mobile_app_reads_are_in_the_catalog():
    assert {"message:new", "message:status", "message:reaction", "message:deleted", "typing", "error"} <= set(
        EVENT_TYPES
    )
    assert EVENT_TYPES["typing"].event_kind == "ephemeral"


def test_a_frame_carries_the_payload_twice_and_the_envelope_wins():
    frame = flat_frame({"id": 7, "type": "message:status", "topic": "user:1"}, {"message_id": 3, "status": "read"})
    assert frame == {
        "message_id": 3,
        "status": "read",
        "id": 7,
        "type": "message:status",
        "topic": "user:1",
        "payload": {"message_id": 3, "status": "read"},
    }


def test_a_payload_may_not_shadow_the_envelope():
    class Shadowing(RealtimeEvent):
        id: int

    with pytest.raises(TypeError, match="shadow"):
        realtime_event("test:shadow")(Shadowing)
    assert "test:shadow" not in EVENT_TYPES


def test_publish_takes_only_catalogued_stored_events(transactional_db):
    from django.db import transaction

    from modules.messaging.events import TypingEvent
    from modules.realtime.public import publish

    typing = TypingEvent(thread_id=1, user_id=2, user_name="A", user_handle="a", is_typing=True)
    with pytest.raises(TypeError, match="not a stored event"), transaction.atomic():
        publish(["user:1"], typing)

    class Loose(Schema):
        pass

    with pytest.raises(AttributeError), transaction.atomic():
        publish(["user:1"], Loose())
