from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from modules.profiles import vocabulary as vocab


class PersonalProfile(models.Model):
    """The "personal map": real name and birth data (used by astrology and numerology when the user opts in)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    birth_time = models.TimeField(null=True, blank=True)
    birth_timezone = models.CharField(max_length=64, blank=True, help_text="IANA zone, e.g. Asia/Tbilisi.")
    birth_country = models.CharField(max_length=80, blank=True)
    birth_city = models.CharField(max_length=120, blank=True)
    birth_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    birth_lon = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_lat__isnull=True) | Q(birth_lat__gte=-90, birth_lat__lte=90),
                name="profile_birth_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(birth_lon__isnull=True) | Q(birth_lon__gte=-180, birth_lon__lte=180),
                name="profile_birth_lon_range",
            ),
            models.CheckConstraint(
                condition=Q(birth_lat__isnull=True, birth_lon__isnull=True)
                | Q(birth_lat__isnull=False, birth_lon__isnull=False),
                name="profile_birth_coordinates_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"personal profile of user {self.user_id}"


class CompatibilityProfile(models.Model):
    """What SoulMatch compares: stated, visible inputs only."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    gender = models.CharField(max_length=32, blank=True, choices=[(v, v) for v in vocab.GENDERS])
    orientation = models.CharField(max_length=32, blank=True, choices=[(v, v) for v in vocab.ORIENTATIONS])
    relationship_goal = models.CharField(max_length=32, blank=True, choices=[(v, v) for v in vocab.RELATIONSHIP_GOALS])
    values = ArrayField(models.CharField(max_length=32), default=list, blank=True, size=vocab.MAX_VALUES)
    preferred_lifestyle = ArrayField(
        models.CharField(max_length=32), default=list, blank=True, size=vocab.MAX_LIFESTYLES
    )
    attachment_style = models.CharField(max_length=32, blank=True, choices=[(v, v) for v in vocab.ATTACHMENT_STYLES])
    love_language = ArrayField(models.CharField(max_length=32), default=list, blank=True, size=vocab.MAX_LOVE_LANGUAGES)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(gender__in=("", *vocab.GENDERS)), name="compat_gender_known"),
            models.CheckConstraint(
                condition=Q(orientation__in=("", *vocab.ORIENTATIONS)), name="compat_orientation_known"
            ),
            models.CheckConstraint(
                condition=Q(relationship_goal__in=("", *vocab.RELATIONSHIP_GOALS)), name="compat_goal_known"
            ),
            models.CheckConstraint(
                condition=Q(attachment_style__in=("", *vocab.ATTACHMENT_STYLES)),
                name="compat_attachment_known",
            ),
            models.CheckConstraint(condition=Q(values__contained_by=list(vocab.VALUES)), name="compat_values_known"),
            models.CheckConstraint(
                condition=Q(preferred_lifestyle__contained_by=list(vocab.LIFESTYLES)),
                name="compat_lifestyle_known",
            ),
            models.CheckConstraint(
                condition=Q(love_language__contained_by=list(vocab.LOVE_LANGUAGES)),
                name="compat_love_language_known",
            ),
        ]

    def __str__(self) -> str:
        return f"compatibility profile of user {self.user_id}"
