-- expect: title \027]0;owned\007 bell \007 tab	and \127
-- print writes control characters (but newline and tab) as \ddd: a spec cannot drive the terminal
print("title \27]0;owned\7 bell \a tab\tand \127")
error("stop here")
