"""The notifications admin renders for staff, filters, and never shows a push token in full."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import StaffFactory
from tests.notifications.factories import (
    DeviceFactory,
    LikeNotificationFactory,
    NotificationFactory,
    NotificationPreferencesFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


def test_notification_pages_and_filters(staff_client):
    notification = LikeNotificationFactory(text="a nice post")
    NotificationFactory()
    listing = staff_client.get(reverse("admin:notifications_notification_changelist"), {"type": "like", "read": "no"})
    assert listing.status_code == 200 and b"a nice post" in listing.content
    change = staff_client.get(reverse("admin:notifications_notification_change", args=[notification.id]))
    assert change.status_code == 200


def test_device_pages_mask_the_token(staff_client):
    device = DeviceFactory(token="ExponentPushToken[secretSECRETsecret4321]")
    listing = staff_client.get(reverse("admin:notifications_device_changelist"), {"q": device.user.handle})
    change = staff_client.get(reverse("admin:notifications_device_change", args=[device.id]))
    for page in (listing, change):
        assert page.status_code == 200
        assert b"ExponentPushToken[\xe2\x80\xa64321]" in page.content
        assert device.token.encode() not in page.content


def test_preferences_pages(staff_client):
    prefs = NotificationPreferencesFactory(push_off=["like"])
    assert staff_client.get(reverse("admin:notifications_notificationpreferences_changelist")).status_code == 200
    change = staff_client.get(reverse("admin:notifications_notificationpreferences_change", args=[prefs.pk]))
    assert change.status_code == 200


def test_the_admin_is_closed_to_non_staff(client):
    assert client.get(reverse("admin:notifications_notification_changelist")).status_code == 302
