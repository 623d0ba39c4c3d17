namespace R2ec.Training.Actors;

/// <summary>A failure thrown on purpose by the fault-injection setting (<c>Faults:RolloutFailStep</c>, <c>Faults:CoordinatorFailStep</c>).</summary>
public sealed class InjectedFaultException(string message) : Exception(message);
