"""One log line per epoch, and a progress artifact in the Prefect UI that moves as training goes."""

from __future__ import annotations

import keras

from cnn_doctor.run_context import in_prefect_run, run_logger


class EpochProgress(keras.callbacks.Callback):
    """Log each epoch's metrics through the run logger; move the run's progress artifact when in Prefect."""

    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs
        self.artifact_id = None

    def on_train_begin(self, logs=None):
        if in_prefect_run():
            from prefect.artifacts import create_progress_artifact

            self.artifact_id = create_progress_artifact(
                progress=0.0, key="training-progress", description=f"Training: epochs done of at most {self.epochs}"
            )

    def on_epoch_end(self, epoch, logs=None):
        metrics = ", ".join(f"{name} {value:.4f}" for name, value in (logs or {}).items() if name != "learning_rate")
        run_logger().info("epoch %d/%d: %s", epoch + 1, self.epochs, metrics)
        self._set_progress(100.0 * (epoch + 1) / self.epochs)

    def on_train_end(self, logs=None):
        self._set_progress(100.0)  # early stopping ends training before the last epoch

    def _set_progress(self, percent: float) -> None:
        if self.artifact_id is not None:
            from prefect.artifacts import update_progress_artifact

            update_progress_artifact(self.artifact_id, progress=min(percent, 100.0))
