"""Template tags any app's templates may load: ``punctuation``, the marks of the current
language."""
