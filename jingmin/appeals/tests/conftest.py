from .factories import cats  # noqa: F401  (fixture)
