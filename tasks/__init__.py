"""The pipeline stages, one module each: validate, preprocess, augment, train, evaluate."""
