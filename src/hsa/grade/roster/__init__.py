"""``hsa grade --roster FILE``: the platform's own export, filled in with this run's grades.

Canvas's gradebook export (:mod:`.canvas`) and Moodle's grading worksheet (:mod:`.moodle`)
know what the platform holds: its students, their ids and current grades, the column
titles and dates in the platform's language. A copy of the export with only this
assignment's cells of the students graded changed is what the platform imports back
with nothing else changed; :mod:`.csvtext` keeps every other byte; :mod:`.reading` tells
the platform from the file.
"""

from .canvas import CanvasRoster, CanvasStudent
from .moodle import MoodleRoster, Participant
from .reading import Roster, read_roster

__all__ = ["CanvasRoster", "CanvasStudent", "MoodleRoster", "Participant", "Roster", "read_roster"]
