from . import test_backup
from . import test_download
from . import test_restore_wizard
from . import test_schedule
from . import test_settings
from . import test_sidecar_client
