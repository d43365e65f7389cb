"""cnn-doctor: train an image classifier and tell why it does or does not learn.

In your own training script: `from cnn_doctor import DoctorCallback` (a callback for `model.fit`) or
`cnn_doctor.diagnose(model, train_data, validation_data)`. Both import TensorFlow, so only when asked for.
"""

import importlib

__version__ = "0.1.0"

# public name -> its module, imported on first use; not a static import, so no pipeline stage depends on
# (nor is re-run by a change to) the in-script API
_IN_YOUR_SCRIPT = {"DoctorCallback": "cnn_doctor.callback", "diagnose": "cnn_doctor.script_diagnosis"}
__all__ = list(_IN_YOUR_SCRIPT)


def __getattr__(name: str):
    if name in _IN_YOUR_SCRIPT:
        return getattr(importlib.import_module(_IN_YOUR_SCRIPT[name]), name)
    raise AttributeError(f"module 'cnn_doctor' has no attribute {name!r}")
