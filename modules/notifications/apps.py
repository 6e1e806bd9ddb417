from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "modules.notifications"
    label = "notifications"
    verbose_name = "Notifications and push"

    def ready(self) -> None:
        from modules.accounts.public import sign_in_failures_alert
        from modules.notifications.services import sign_in_failures_notify

        # accounts tells when someone keeps failing to sign in to an account; the owner gets a security notice.
        sign_in_failures_alert.connect(sign_in_failures_notify, dispatch_uid="notifications.sign_in_failures")
