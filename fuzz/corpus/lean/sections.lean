import Mathlib.Analysis.InnerProductSpace.Basic

set_option autoImplicit false

namespace Foldcheck.Fuzz
open Matrix

section Rope
variable {d : ℕ}

/-- Doc comment with `theorem inside_doc : True := sorry`. -/
noncomputable def theta (p : ℕ) (w : ℝ) : ℝ := p * w

protected lemma theta_zero (w : ℝ) : theta 0 w = 0 := by simp [theta]

@[simp, norm_cast]
private unsafe abbrev weird := "a \"quoted\" sorry -- not a comment"

instance instFoo : Inhabited ℕ := ⟨0⟩

partial def loop (n : ℕ) : ℕ := loop n

theorem stub_claim : True := by sorry

nonrec theorem deferred_claim (x : ℝ) : x = x := by
  have h : x = x := sorry
  exact h
end Rope

#check theta
axiom gauge : ∀ n : ℕ, n = n
end Foldcheck.Fuzz
