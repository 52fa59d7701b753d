"""The live day: the crew's reports with their real times, ETAs that follow them, and whom to call.

``eta`` re-times one vehicle's day from its reports (pure).
"""
