"""The exception every kind of bad input is reported with."""


class ConvertError(ValueError):
    """A problem with the input or the options, described in one line.

    The command line prints the message and exits with status 1, so messages
    must make sense on their own (name the file, key or option at fault).
    """


class OptionError(ConvertError):
    """An option value that does not suit the checkpoint (found once it is read).

    The command line reports it as a usage error (exit status 2), as it does
    for option values that are wrong whatever the checkpoint.
    """
