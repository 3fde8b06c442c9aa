using Hnn.Datasets;
using Hnn.Pipeline.Data;
using Hnn.Stages.Sampling;
using Hnn.Stages.Training;

namespace Hnn.Pipeline.Config;

/// <summary>
/// The rules that join two or more config sections (each section's own checks live in its binder under Sections/):
/// the system against the data file and the domain, the anchor and rollout states against the degrees of freedom, what
/// the streamed path and a data file without H allow, the Adam and HIG sections against model.methods and model.widths, and the
/// array sizes the fit can index. Each adds problems to the reader; none throws.
/// </summary>
internal static class PipelineRules
{
    /// <summary>What the section binders read, for the rules that join them.</summary>
    internal sealed record Sections(
        HamiltonianSystem? System,
        DataFile.Layout? Layout,
        Domain? Domain,
        bool DomainComplete,
        int Dof,
        DataSpec Data,
        AnchorSpec Anchor,
        ModelSpec Model,
        bool UsesAdam,
        AdamSpec Adam,
        bool UsesHig,
        HigSpec Hig,
        RolloutSpec? Rollout,
        SolverSpec Solver);

    /// <summary>The system against the data file: checked before the other sections are read (they need the dof).</summary>
    public static void SystemAndData(SpecReader r, HamiltonianSystem? system, DataFile.Layout? layout)
    {
        if (system is not null && layout is not null && system.Dof != layout.Dof)
        {
            r.Problem("data.file", $"has {layout.Dof} degree(s) of freedom (q1..q{layout.Dof}); system '{system.Name}' has {system.Dof}");
        }
    }

    public static void Check(SpecReader r, MapNode root, Sections s)
    {
        Domain(r, s);
        Anchor(r, root, s);
        Model(r, s);
        Adam(r, root, s);
        Hig(r, root, s);
        Rollout(r, root, s);
        SpecLimits.Sizes(r, s.Model.Widths, s.Dof, s.Data.Train, s.Solver.ChunkRows, s.Solver.Mode);
        if (s.Data.Streamed && s.Solver.Mode == SolveMode.Full)
        {
            r.Problem("solver.mode", "full is not allowed with data.stream_rows: the full matrix needs every row in memory; use structured");
        }
    }

    private static void Domain(SpecReader r, Sections s)
    {
        // Only check the interval count when every interval was read: a rejected one (e.g. [1, 1]) is already
        // reported and would otherwise also show up as a misleading "has 0 interval(s)".
        if (s.System is null || s.Domain is null || !s.DomainComplete)
        {
            return;
        }

        try
        {
            s.Domain.Validate(s.System.Dof);
        }
        catch (ArgumentException e)
        {
            r.Problem("domain", $"{SpecReader.FirstLine(e.Message)} (system '{s.System.Name}' has {s.System.Dof} degree(s) of freedom)");
        }
    }

    private static void Anchor(SpecReader r, MapNode root, Sections s)
    {
        var x0 = s.Anchor.X0;
        if ((root["anchor"] as MapNode)?["x0"] is not null && s.Dof > 0 && x0.Count != 2 * s.Dof)
        {
            r.Problem("anchor.x0", $"has {x0.Count} coordinates; {(s.System is null ? "the data have" : $"system '{s.System.Name}' has")} {s.Dof} degree(s) of freedom, so {2 * s.Dof} are needed (q then p)");
        }

        if (s.System is null && s.Data.File is not null && s.Anchor.H0 is null)
        {
            r.Problem("anchor.h0", "is required when the data come from a file without a system: give H at anchor.x0 (e.g. 0 at an equilibrium)");
        }
    }

    private static void Model(SpecReader r, Sections s)
    {
        var m = s.Model;
        if (s.Layout is { HasEnergy: false } && m.Methods.FirstOrDefault(x => x.NeedsEnergy) is { } needsH)
        {
            r.Problem("model.methods", $"{needsH.Name} needs the true H and {s.Data.File} has no H column; use a-swim (it needs no H)");
        }

        if (m.SwimCandidates > 0 && !s.Data.Streamed)
        {
            r.Problem("model.swim_candidates", $"{m.SwimCandidates} is not allowed without data.stream_rows: it caps the candidate pairs of the streamed path only (in memory every pair is drawn)");
        }
        else if (m.SwimCandidates > 0 && m.Widths.Count > 0 && m.SwimCandidates < m.Widths.Max())
        {
            r.Problem("model.swim_candidates", $"{m.SwimCandidates} is not allowed: must be at least the largest width ({m.Widths.Max()}), since that many distinct candidates are drawn");
        }

        if (s.Data.Streamed && s.UsesAdam)
        {
            r.Problem("model.methods", "adam is not allowed with data.stream_rows: the Adam baseline needs the training data in memory; remove adam or data.stream_rows");
        }

        if (s.Data.Streamed && s.UsesHig)
        {
            r.Problem("model.methods", "hig is not allowed with data.stream_rows: the HIG baseline needs the training data in memory; remove hig or data.stream_rows");
        }

        if (s.Data.Streamed && !m.ASwimFirst.IsFull)
        {
            r.Problem("model.a_swim_first", "is not allowed with data.stream_rows (the streamed path runs A-SWIM as published); remove one of them");
        }
    }

    private static void Adam(SpecReader r, MapNode root, Sections s)
    {
        if (s.Adam.InitFile is { } initFile && s.Dof > 0)
        {
            try
            {
                var width = NetworkFile.Read(initFile, s.Dof).Width;
                if (s.Model.Widths.Any(w => w != width))
                {
                    var given = ((root["adam"] as MapNode)?["init_file"] as ScalarNode)?.Value;
                    r.Problem("adam.init_file", $"'{given}' has {width} hidden neurons but model.widths is [{string.Join(", ", s.Model.Widths)}]; allowed: model.widths [{width}] (the file fixes the width)");
                }
            }
            catch (InputException e)
            {
                r.Problem("adam.init_file", e.Message);
            }
        }

        if (root["adam"] is MapNode && !s.UsesAdam)
        {
            r.Problem("adam", "is set but model.methods does not list adam; add adam to model.methods or remove this section");
        }
    }

    private static void Hig(SpecReader r, MapNode root, Sections s)
    {
        if (root["hig"] is MapNode && !s.UsesHig)
        {
            r.Problem("hig", "is set but model.methods does not list hig; add hig to model.methods or remove this section");
        }

        if (!s.UsesHig || s.Dof <= 0 || s.Model.Widths.Count == 0)
        {
            return;
        }

        // One step's Jacobian is (rows x 2 dof) x (2 dof + 2) N in one array; rows = min(batch, training rows).
        var dim = 2L * s.Dof;
        var rows = s.Data.Train > 0 ? Math.Min(s.Hig.BatchSize, s.Data.Train) : s.Hig.BatchSize;
        var entries = rows * dim * (dim + 2) * s.Model.Widths.Max();
        if (entries > Array.MaxLength)
        {
            r.Problem("hig.batch_size", $"{s.Hig.BatchSize} is not allowed with width {s.Model.Widths.Max()}: the step's Jacobian would have {entries} entries, more than {Array.MaxLength}; use a smaller batch or width");
        }
    }

    private static void Rollout(SpecReader r, MapNode root, Sections s)
    {
        if (s.Rollout is null)
        {
            return;
        }

        // Given states only (a system's default start has its dof); an unreadable state is reported by the section.
        var given = r.ListOfLists((root["rollout"] as MapNode)?["initial"]);
        for (var i = 0; i < given.Count; i++)
        {
            var length = r.OneOrMany(given[i]).Count;
            if (s.Dof > 0 && length != 2 * s.Dof)
            {
                r.Problem($"rollout.initial[{i}]", $"has {length} coordinates; {2 * s.Dof} are needed (q1..q{s.Dof}, p1..p{s.Dof})");
            }
        }

        // A system section that is present but invalid is reported by its binder; "add system:" would mislead then.
        if (s.System is null && root["system"] is null)
        {
            r.Problem("rollout", "needs a system (the true H is the ground truth of every rollout); add system: or remove rollout:");
        }

        if (s.Rollout.Count > 0 && s.Domain is null)
        {
            r.Problem("rollout.count", "drawing initial states needs a domain; give domain: or rollout.initial");
        }
    }
}
