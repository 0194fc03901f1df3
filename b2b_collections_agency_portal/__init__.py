from . import controllers
from . import wizards
