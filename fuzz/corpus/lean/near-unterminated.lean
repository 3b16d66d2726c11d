theorem t : True := sorry
/- unterminated /- nested
