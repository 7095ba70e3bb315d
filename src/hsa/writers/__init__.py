"""What a grade is written as, for both verbs (``hsa grade`` and the Gradescope zip).

* :mod:`.atomic`: every file written whole or not at all;
* :mod:`.results`: Gradescope's results.json (and reading it back);
* :mod:`.graded`: the one record every writer takes (a result, its causes, its feedback);
* :mod:`.feedback_blocks`: the feedback's sections; :mod:`.wording`: its English;
* :mod:`.feedback`: the student's feedback.md, and the same in one line;
* :mod:`.gradebook`: gradebook.csv, a row per student.

Nothing here runs student code: a writer turns a :class:`~hsa.trusted.result.Result`
(and the causes traced from it) into text.
"""
