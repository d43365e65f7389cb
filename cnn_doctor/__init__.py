"""cnn-doctor: train an image classifier and tell why it does or does not learn."""

__version__ = "0.1.0"
