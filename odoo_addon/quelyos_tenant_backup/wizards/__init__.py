from . import quelyos_backup_start_wizard
from . import quelyos_backup_restore_wizard
