#!/usr/bin/env bash
# Creates .venv/ and installs the pinned OpenMMLab stack, then this project (editable).
# Idempotent: every step is skipped when what it installs is already importable.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-.venv}
PY="$VENV/bin/python"
PIP="$PY -m pip --disable-pip-version-check"
step() { printf '\n[install] %s\n' "$*"; }
# -I: isolated mode, so the repo root (cwd) does not satisfy an import by accident
has() { "$PY" -I -c "$1" >/dev/null 2>&1; }

if [ ! -x "$PY" ]; then
  step "creating virtual environment $VENV"
  python3 -m venv "$VENV"
fi

if ! has "import torch, numpy, ninja, setuptools; assert torch.__version__.startswith('2.13.0')"; then
  step "build requirements: torch 2.13.0 (CPU wheel), numpy, ninja, setuptools<80"
  $PIP install -r requirements/build.txt
fi

if ! has "import mmengine; assert mmengine.__version__ == '0.10.7'"; then
  step "mmengine 0.10.7"
  $PIP install mmengine==0.10.7
fi

if ! has "import mmcv; assert mmcv.__version__ == '2.1.0'; from mmcv.ops import nms"; then
  step "mmcv 2.1.0 from source WITH compiled ops: this build takes about 14 minutes on 2 cores"
  step "(pip caches the built wheel, so later installs on this machine take seconds)"
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-2} $PIP install --no-build-isolation mmcv==2.1.0
fi

if ! has "import mmseg, mmdet, ftfy, regex, cv2, PIL, prettytable, matplotlib, scipy, tqdm, pytest, skimage, sklearn, pycocotools.mask, cityscapesscripts.helpers.annotation"; then
  step "mmsegmentation 1.2.2, mmdet 3.3.0 and the runtime/test requirements (with cityscapesscripts)"
  $PIP install -r requirements/openmmlab.txt -r requirements/runtime.txt -r requirements/tests.txt
fi

if ! has "import mim, click, colorama, modelindex, pandas, tabulate; from mim.utils import get_installed_path"; then
  step "openmim 0.3.9 (the mim command) without its opendatalab dependency (requirements/mim.txt says why)"
  $PIP install -r requirements/mim.txt
  $PIP install --no-deps -r requirements/mim_nodeps.txt
fi

if ! has "import onnx, onnxruntime"; then
  step "onnx and onnxruntime (tools/deployment/export_onnx.py)"
  $PIP install -r requirements/deploy.txt
fi

# Legacy develop mode (an egg-link to this checkout), as mmseg/mmdet checkouts
# are installed: mim and mmengine's `mofme_mm::` config paths find a package
# at its distribution's location, which a PEP 660 editable install puts in
# site-packages, away from the checkout and its mofme_mm/.mim links.
if ! has "import mofme_mm.version, os; from mmengine.utils import get_installed_path as p; assert os.path.samefile(os.path.dirname(mofme_mm.version.__file__), '$PWD/mofme_mm'); assert os.path.samefile(p('mofme-mm'), '$PWD/mofme_mm'); assert os.path.isfile('$PWD/mofme_mm/.mim/tools/train.py')"; then
  step "mofme_mm (editable; configs and tools linked into mofme_mm/.mim)"
  $PIP install --no-build-isolation --no-deps --no-use-pep517 -e .
fi

step "checking the stack"
"$PY" -I -c "import mofme_mm, mmseg.models, mmdet.models, mim.version; from mmcv.ops import nms; import torch, mmcv, mmseg, mmdet, mmengine; print('torch', torch.__version__, '| mmengine', mmengine.__version__, '| mmcv', mmcv.__version__, '| mmseg', mmseg.__version__, '| mmdet', mmdet.__version__, '| openmim', mim.version.__version__, '| mofme_mm', mofme_mm.__version__)"
