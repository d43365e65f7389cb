"""The online random transforms of training, as Keras preprocessing layers."""

from __future__ import annotations


def build_augmentation(transforms: dict, seed: int):
    """The online random transforms as a Keras pipeline (empty when nothing is configured)."""
    import keras

    layers = []
    if transforms.get("rotation"):
        layers.append(keras.layers.RandomRotation(transforms["rotation"], fill_mode="constant", seed=seed))
    if transforms.get("translation"):
        shift = transforms["translation"]
        layers.append(keras.layers.RandomTranslation(shift, shift, fill_mode="constant", seed=seed + 1))
    if transforms.get("zoom"):
        layers.append(keras.layers.RandomZoom(transforms["zoom"], fill_mode="constant", seed=seed + 2))
    if transforms.get("flip", "none") != "none":
        layers.append(keras.layers.RandomFlip(transforms["flip"], seed=seed + 3))
    if transforms.get("contrast"):
        layers.append(keras.layers.RandomContrast(transforms["contrast"], value_range=(0, 255), seed=seed + 4))
    return keras.Sequential(layers, name="augmentation")
