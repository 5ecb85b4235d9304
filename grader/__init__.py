"""cnn-grader: auto-graded exercises and quizzes for a course on convolutional neural networks."""
__version__ = "0.1.0"
