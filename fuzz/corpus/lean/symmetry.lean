/-
  A fixture for foldcheck's Lean scanner: not real Lean mathematics.
  /- nested comment: theorem hidden_in_comment : True := sorry -/
-/
import Mathlib

namespace VerifiedNeuralCompilation

/-- The 2D commutant. -/
theorem commutesWithQuarterTurn_iff (R : Matrix (Fin 2) (Fin 2) ℝ) :
    R * J = J * R ↔ ∃ a b, R = a • 1 + b • J := by
  constructor
  · intro h; exact ⟨_, _, rfl⟩ -- the word sorry in a comment does not count
  · rintro ⟨a, b, rfl⟩; simp

@[simp] lemma intertwiner_zero_of_cos_ne {w₁ w₂ : ℝ} (h : Real.cos w₁ ≠ Real.cos w₂) :
    X = 0 := by
  sorry

private theorem headwise_lift : True := sorry

theorem ropeAttentionHeadContext : True := by
  sorry

axiom attention_score_gauge_invariance : ∀ R, R = R

def foldedHead (x : ℕ) : ℕ := x + 1

theorem unrelated_helper_lemma : 1 + 1 = 2 := by
  let s := "sorry in a string does not count"
  rfl

end VerifiedNeuralCompilation
