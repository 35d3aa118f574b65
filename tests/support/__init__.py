"""Shared test helpers: hand-built report data, the review-loop kabupaten, the quarter child process."""
