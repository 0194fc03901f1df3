from . import test_charges
from . import test_reminders
from . import test_reports
from . import test_run_concurrency
from . import test_statement_link
