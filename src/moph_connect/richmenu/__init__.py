"""MOPH Connect's rich menu: the four things she can always reach, drawn by the program,
created on a LINE channel by `moph-connect line setup-richmenu`."""
