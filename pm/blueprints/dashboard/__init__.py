"""工作台: the landing page of every role."""
