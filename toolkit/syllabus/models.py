"""A syllabus and its parts, as the model is asked for them and as the run returns them."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field


class ModuleTitle(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    scope: str = Field(default="", max_length=400)


class Outline(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    audience: str = Field(default="", max_length=300)
    modules: list[ModuleTitle] = Field(min_length=1)


class ModuleContent(BaseModel):
    objectives: list[str] = Field(min_length=1, max_length=10)
    topics: list[str] = Field(min_length=1, max_length=12)
    activities: list[str] = Field(default_factory=list, max_length=10)
    assessment: str = ""
    estimated_hours: float = Field(ge=0.25, le=200)


class Module(ModuleContent):
    number: int
    title: str
    scope: str = ""
    # Set when the offline template wrote this module in the model's place, saying why.
    fallback: str | None = None


class Overlap(BaseModel):
    topic: str
    modules: list[int]


class Syllabus(BaseModel):
    topic: str
    title: str
    audience: str
    language: str
    modules: list[Module]
    # Module number -> why it could not be written. A generator run leaves it empty (a failed
    # call is written from the template instead: see `Module.fallback`); kept so that
    # syllabi saved by earlier versions still load.
    failed: dict[int, str] = Field(default_factory=dict)
    total_hours: float
    overlaps: list[Overlap] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    backend: str
    simulated: bool = False

    @property
    def partial(self) -> bool:
        return bool(self.failed)

    def to_json(self) -> str:
        return json.dumps({**self.model_dump(mode="json"), "partial": self.partial},
                          ensure_ascii=False, indent=2)

    def to_markdown(self) -> str:
        et = self.language == "et"
        lines = [f"# {self.title}", ""]
        lines.append(f"*{'Sihtrühm' if et else 'Audience'}:* {self.audience}  ")
        lines.append(f"*{'Maht' if et else 'Workload'}:* {self.total_hours:g} "
                     f"{'tundi' if et else 'hours'}, {len(self.modules)} "
                     f"{'moodulit' if et else 'modules'}  ")
        simulated = " (simulated latency)" if self.simulated and "simulated" not in self.backend else ""
        lines.append(f"*{'Koostaja' if et else 'Written by'}:* {self.backend}{simulated}")
        if self.partial:
            failed = ", ".join(f"{n} ({why})" for n, why in sorted(self.failed.items()))
            lines += ["", f"> **{'Osaline' if et else 'Partial'}:** "
                          f"{'ebaõnnestunud moodulid' if et else 'failed modules'}: {failed}"]
        for note in self.notes:
            lines += ["", f"> {note}"]
        for m in self.modules:
            lines += ["", f"## {m.number}. {m.title}", ""]
            if m.scope:
                lines += [f"_{m.scope}_", ""]
            if m.fallback:
                lines += [f"> {m.fallback}", ""]
            for heading, items in ((("Õpiväljundid", "Objectives"), m.objectives),
                                   (("Teemad", "Topics"), m.topics),
                                   (("Tegevused", "Activities"), m.activities)):
                if items:
                    lines.append(f"**{heading[0] if et else heading[1]}**")
                    lines += [f"- {item}" for item in items]
                    lines.append("")
            if m.assessment:
                lines.append(f"**{'Hindamine' if et else 'Assessment'}:** {m.assessment}  ")
            lines.append(f"**{'Maht' if et else 'Estimated hours'}:** {m.estimated_hours:g}")
        if self.overlaps:
            lines += ["", f"## {'Kattuvad teemad' if et else 'Overlapping topics'}", ""]
            lines += [f"- {o.topic}: {', '.join(map(str, o.modules))}" for o in self.overlaps]
        return "\n".join(lines) + "\n"
