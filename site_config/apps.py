"""App configs the project gives other apps: their names as the admin shows them."""

from axes.apps import AppConfig as BaseAxesConfig


class AxesConfig(BaseAxesConfig):
    verbose_name = "ログインの記録（django-axes）"
