@[
theorem
  lemma x
"
