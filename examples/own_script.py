"""cnn-doctor in your own training script: `python examples/own_script.py` (the report lands in doctor-report/)."""

import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from cnn_doctor import DoctorCallback

digits = load_digits()  # 1,797 scanned handwritten digits, 8x8, grey levels 0-16
images = digits.images[..., None] * (255 / 16)  # 0-255, as photos come
x_train, x_val, y_train, y_val = train_test_split(images, digits.target, test_size=0.25, random_state=0)
model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Rescaling(1 / 255)])
model.add(keras.layers.Conv2D(32, 3, activation="relu"))
model.add(keras.layers.Flatten())
model.add(keras.layers.Dense(10, activation="softmax"))
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

doctor = DoctorCallback(validation_data=(x_val, y_val), out="doctor-report")
stop = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=100, callbacks=[stop, doctor], verbose=0)
print("Leading finding:", doctor.report["leading_finding"])
