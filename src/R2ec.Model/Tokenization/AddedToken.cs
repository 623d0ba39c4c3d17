namespace R2ec.Model.Tokenization;

/// <summary>
/// A token matched in the raw text before pre-tokenization and BPE, so it is never split (<c>&lt;|im_end|&gt;</c>,
/// <c>&lt;answer&gt;</c>, ...). <paramref name="Special"/> marks tokens a decoder may skip.
/// </summary>
/// <param name="Id">Its id, inside or beyond the BPE vocabulary.</param>
/// <param name="Content">The exact text it stands for.</param>
/// <param name="Special">Whether it is a control token rather than text.</param>
public sealed record AddedToken(int Id, string Content, bool Special = true);
