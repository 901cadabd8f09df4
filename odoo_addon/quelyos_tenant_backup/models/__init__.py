from . import sidecar_client
from . import quelyos_backup_audit
from . import quelyos_backup
from . import quelyos_backup_schedule
from . import res_config_settings
