"""bertstudy: learn deep learning up to BERT from the command line.

Nothing heavy is imported here, so `bertstudy --help` stays fast; torch is imported only by
`bertstudy.reference`, `bertstudy.demos` and the grader's child process.
"""

__version__ = "0.1.0"
